//! Reading the log: all of it, the newest entries, a TPS's history, and bounded pages of
//! either for the server's answers.

use super::*;

impl Store {
    /// The whole log, oldest first.
    pub fn log_entries(&self) -> impl Iterator<Item = Result<LogEntry>> + '_ {
        self.log.iter().map(move |item| {
            let (k, v) = item.map_err(|e| self.sled_err(e))?;
            self.decode_at("log", &k, &v)
        })
    }

    /// The newest `limit` log entries, newest first.
    pub fn recent_log(&self, limit: usize) -> Result<Vec<LogEntry>> {
        self.log
            .iter()
            .rev()
            .take(limit)
            .map(|item| {
                let (k, v) = item.map_err(|e| self.sled_err(e))?;
                self.decode_at("log", &k, &v)
            })
            .collect()
    }

    /// Log entries of one TPS, oldest first.
    pub fn tps_history(&self, tps: TpsId) -> Result<Vec<LogEntry>> {
        let mut out = Vec::new();
        for item in self.tps_log.scan_prefix(tps_key(tps)) {
            let (k, _) = item.map_err(|e| self.sled_err(e))?;
            let seq = &k[4..12];
            if let Some(v) = self.log.get(seq).map_err(|e| self.sled_err(e))? {
                out.push(self.decode_at("log", seq, &v)?);
            }
        }
        Ok(out)
    }

    /// A bounded page of the log: the entries older than `before`, newest first, at most
    /// `limit` of them and at most `max_bytes` of stored encoding in all. Entries are read
    /// (decoded) only once they fit, so a page costs at most about `max_bytes` whatever the
    /// log holds.
    pub fn log_page(&self, before: u64, limit: usize, max_bytes: usize) -> Result<LogPage> {
        let keys = self
            .log
            .range(..before.to_be_bytes())
            .rev()
            .map(|item| item.map(|(k, v)| (k, Some(v))));
        self.page(keys, limit, max_bytes)
    }

    /// A bounded page of a TPS's history: its entries older than `before`, newest first,
    /// within `limit` entries and `max_bytes` (as `log_page`).
    pub fn tps_history_page(
        &self,
        tps: TpsId,
        before: u64,
        limit: usize,
        max_bytes: usize,
    ) -> Result<LogPage> {
        let from = [&tps_key(tps)[..], &0u64.to_be_bytes()].concat();
        let to = [&tps_key(tps)[..], &before.to_be_bytes()].concat();
        let keys = self.tps_log.range(from..to).rev().map(|item| {
            let (k, _) = item?;
            let seq = sled::IVec::from(&k[4..12]);
            let value = self.log.get(&seq)?;
            Ok((seq, value))
        });
        self.page(keys, limit, max_bytes)
    }

    pub(super) fn page(
        &self,
        keys: impl Iterator<Item = sled::Result<(sled::IVec, Option<sled::IVec>)>>,
        limit: usize,
        max_bytes: usize,
    ) -> Result<LogPage> {
        let mut page = LogPage::default();
        let mut bytes = 0usize;
        for item in keys {
            if page.entries.len() >= limit {
                break;
            }
            let (seq, value) = item.map_err(|e| self.sled_err(e))?;
            let Some(value) = value else { continue };
            if bytes + value.len() > max_bytes {
                let seq = u64::from_be_bytes(seq.as_ref().try_into().unwrap_or([0; 8]));
                page.stopped_by = Some((seq, value.len()));
                break;
            }
            bytes += value.len();
            page.entries.push(self.decode_at("log", &seq, &value)?);
        }
        Ok(page)
    }
}
