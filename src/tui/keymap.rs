//! One keymap table: it drives `App`, and it generates the footer hints and the help screen.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use crate::text::Strings;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    Up,
    Down,
    Left,
    Right,
    Top,
    Bottom,
    PageUp,
    PageDown,
    Open,
    Back,
    SwitchPane,
    NextGap,
    PrevGap,
    ToggleFilter,
    GapsAll,
    GapsHere,
    Search,
    Help,
    ToggleLang,
    Quit,
    Vacate,
    Reserves,
    NewOfficer,
    MakeKetua,
    History,
    Log,
    Undo,
    Widen,
    RevealNik,
}

/// One binding: the keys, their label for help, the action, what it does, and the short
/// word the footer shows for it (footer hints must fit 80 columns).
pub struct Binding {
    pub keys: &'static [KeyCode],
    pub label: &'static str,
    pub action: Action,
    pub describe: fn(&Strings) -> &'static str,
    pub footer: Option<fn(&Strings) -> &'static str>,
}

const fn c(ch: char) -> KeyCode {
    KeyCode::Char(ch)
}

pub const KEYMAP: &[Binding] = &[
    Binding {
        keys: &[KeyCode::Up, c('k')],
        label: "↑/k",
        action: Action::Up,
        describe: |s| s.key_up,
        footer: None,
    },
    Binding {
        keys: &[KeyCode::Down, c('j')],
        label: "↓/j",
        action: Action::Down,
        describe: |s| s.key_down,
        footer: None,
    },
    Binding {
        keys: &[KeyCode::Left, c('h')],
        label: "←/h",
        action: Action::Left,
        describe: |s| s.key_left,
        footer: None,
    },
    Binding {
        keys: &[KeyCode::Right, c('l')],
        label: "→/l",
        action: Action::Right,
        describe: |s| s.key_right,
        footer: None,
    },
    Binding {
        keys: &[KeyCode::Home, c('g')],
        label: "g",
        action: Action::Top,
        describe: |s| s.key_top,
        footer: None,
    },
    Binding {
        keys: &[KeyCode::End, c('G')],
        label: "G",
        action: Action::Bottom,
        describe: |s| s.key_bottom,
        footer: None,
    },
    Binding {
        keys: &[KeyCode::PageUp],
        label: "PgUp",
        action: Action::PageUp,
        describe: |s| s.key_page_up,
        footer: None,
    },
    Binding {
        keys: &[KeyCode::PageDown],
        label: "PgDn",
        action: Action::PageDown,
        describe: |s| s.key_page_down,
        footer: None,
    },
    Binding {
        keys: &[KeyCode::Enter, c(' ')],
        label: "Enter",
        action: Action::Open,
        describe: |s| s.key_open,
        footer: None,
    },
    Binding {
        keys: &[KeyCode::Esc],
        label: "Esc",
        action: Action::Back,
        describe: |s| s.key_back,
        footer: None,
    },
    Binding {
        keys: &[KeyCode::Tab, KeyCode::BackTab],
        label: "Tab",
        action: Action::SwitchPane,
        describe: |s| s.key_switch,
        footer: None,
    },
    Binding {
        keys: &[c('n')],
        label: "n/N",
        action: Action::NextGap,
        describe: |s| s.key_next_gap,
        footer: Some(|s| s.foot_gap),
    },
    Binding {
        keys: &[c('N')],
        label: "N",
        action: Action::PrevGap,
        describe: |s| s.key_prev_gap,
        footer: None,
    },
    Binding {
        keys: &[c('f')],
        label: "f",
        action: Action::ToggleFilter,
        describe: |s| s.key_filter,
        footer: None,
    },
    Binding {
        keys: &[c('v')],
        label: "v",
        action: Action::GapsAll,
        describe: |s| s.key_gaps_all,
        footer: Some(|s| s.foot_gaps),
    },
    Binding {
        keys: &[c('V')],
        label: "V",
        action: Action::GapsHere,
        describe: |s| s.key_gaps_here,
        footer: None,
    },
    Binding {
        keys: &[c('/')],
        label: "/",
        action: Action::Search,
        describe: |s| s.key_search,
        footer: Some(|s| s.foot_search),
    },
    Binding {
        keys: &[c('*')],
        label: "*",
        action: Action::RevealNik,
        describe: |s| s.key_reveal,
        footer: None,
    },
    Binding {
        keys: &[c('x')],
        label: "x",
        action: Action::Vacate,
        describe: |s| s.key_vacate,
        footer: Some(|s| s.foot_vacate),
    },
    Binding {
        keys: &[c('r')],
        label: "r",
        action: Action::Reserves,
        describe: |s| s.key_reserves,
        footer: Some(|s| s.foot_reserves),
    },
    Binding {
        keys: &[c('p')],
        label: "p",
        action: Action::NewOfficer,
        describe: |s| s.key_new_officer,
        footer: None,
    },
    Binding {
        keys: &[c('K')],
        label: "K",
        action: Action::MakeKetua,
        describe: |s| s.key_make_ketua,
        footer: None,
    },
    Binding {
        keys: &[c('w')],
        label: "w",
        action: Action::Widen,
        describe: |s| s.key_widen,
        footer: None,
    },
    Binding {
        keys: &[c('H')],
        label: "H",
        action: Action::History,
        describe: |s| s.key_history,
        footer: None,
    },
    Binding {
        keys: &[c('J')],
        label: "J",
        action: Action::Log,
        describe: |s| s.key_log,
        footer: None,
    },
    Binding {
        keys: &[c('u')],
        label: "u",
        action: Action::Undo,
        describe: |s| s.key_undo,
        footer: None,
    },
    Binding {
        keys: &[c('L')],
        label: "L",
        action: Action::ToggleLang,
        describe: |s| s.key_lang,
        footer: None,
    },
    Binding {
        keys: &[c('?')],
        label: "?",
        action: Action::Help,
        describe: |s| s.key_help,
        footer: Some(|s| s.foot_help),
    },
    Binding {
        keys: &[c('q')],
        label: "q",
        action: Action::Quit,
        describe: |s| s.key_quit,
        footer: Some(|s| s.foot_quit),
    },
];

/// The action bound to a key press, if any. Ctrl-C always quits.
pub fn action_for(key: KeyEvent) -> Option<Action> {
    if key.modifiers.contains(KeyModifiers::CONTROL) {
        return (key.code == c('c')).then_some(Action::Quit);
    }
    KEYMAP
        .iter()
        .find(|b| b.keys.contains(&key.code))
        .map(|b| b.action)
}

/// Parses a key string like `"jjl<enter><esc>/sako<tab>"` into key events (for tests and
/// scripted sessions). Named keys: enter esc tab backtab up down left right home end
/// pgup pgdn bs space; `<c-x>` is Ctrl+x.
pub fn parse_keys(s: &str) -> Vec<KeyEvent> {
    let mut out = Vec::new();
    let mut chars = s.chars();
    while let Some(ch) = chars.next() {
        if ch != '<' {
            out.push(KeyEvent::new(KeyCode::Char(ch), KeyModifiers::NONE));
            continue;
        }
        let name: String = chars.by_ref().take_while(|&c| c != '>').collect();
        let key = match name.as_str() {
            "enter" => KeyCode::Enter,
            "esc" => KeyCode::Esc,
            "tab" => KeyCode::Tab,
            "backtab" => KeyCode::BackTab,
            "up" => KeyCode::Up,
            "down" => KeyCode::Down,
            "left" => KeyCode::Left,
            "right" => KeyCode::Right,
            "home" => KeyCode::Home,
            "end" => KeyCode::End,
            "pgup" => KeyCode::PageUp,
            "pgdn" => KeyCode::PageDown,
            "bs" => KeyCode::Backspace,
            "space" => KeyCode::Char(' '),
            "lt" => KeyCode::Char('<'),
            n if n.starts_with("c-") && n.len() == 3 => {
                out.push(KeyEvent::new(
                    KeyCode::Char(n.chars().nth(2).unwrap_or('c')),
                    KeyModifiers::CONTROL,
                ));
                continue;
            }
            other => panic!("unknown key name <{other}> in key string"),
        };
        out.push(KeyEvent::new(key, KeyModifiers::NONE));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_action_has_a_key_and_keys_are_unique() {
        let mut seen = Vec::new();
        for b in KEYMAP {
            for k in b.keys {
                assert!(!seen.contains(k), "{k:?} bound twice");
                seen.push(*k);
            }
        }
        assert_eq!(
            action_for(KeyEvent::new(c('j'), KeyModifiers::NONE)),
            Some(Action::Down)
        );
        assert_eq!(
            action_for(KeyEvent::new(c('c'), KeyModifiers::CONTROL)),
            Some(Action::Quit)
        );
    }

    #[test]
    fn parses_key_strings() {
        let keys = parse_keys("jl<enter><c-c>");
        assert_eq!(keys.len(), 4);
        assert_eq!(keys[2].code, KeyCode::Enter);
        assert_eq!(keys[3].modifiers, KeyModifiers::CONTROL);
    }
}
