//! What a collaborator's laptop may write, table by table: declared beside each table by the
//! module that owns it, with the same limits its forms apply, and checked on every entry a sync
//! file brings from such a laptop. A column not declared, an operation not allowed, or a value
//! its rule refuses makes the whole file refused. Which records are the laptop's to write (its
//! residential group's) is checked beside this, by the sync bounds.

use serde_json::Value;

/// The writes a collaborator's laptop may make in one table.
pub struct LimitedWrites {
    /// The table.
    pub table: &'static str,
    /// Whether it may create records.
    pub insert: bool,
    /// Whether it may change records already there.
    pub update: bool,
    /// Whether it may remove them (a tombstone).
    pub remove: bool,
    /// The columns it may write, each with the rule its values keep.
    pub columns: &'static [(&'static str, Rule)],
}

/// What a value written in a column must be.
#[derive(Clone, Copy)]
pub enum Rule {
    /// Text as a form stores it: NFC and trimmed, no control character, at most `max`
    /// characters, and not empty when `required` (null is allowed when not).
    Text {
        /// Whether it must be filled.
        required: bool,
        /// The most characters.
        max: usize,
    },
    /// A day, `YYYY-MM-DD`; null allowed when not `required`.
    Date {
        /// Whether it must be given.
        required: bool,
    },
    /// A year of birth of a child now living.
    Year,
    /// One of an enum's stored words.
    OneOf(fn(&str) -> bool),
    /// A record's id, whose scope the sync bounds check.
    Reference,
    /// A JSON list of at most `items` objects whose values are text of at most `max` characters.
    List {
        /// The most items.
        items: usize,
        /// The most characters of each value.
        max: usize,
    },
    /// A whole number in a range.
    Integer {
        /// The least.
        min: i64,
        /// The most.
        max: i64,
    },
    /// Only the empty text: a field the role never fills (a child's notes).
    Empty,
    /// A text of hexadecimal digits of this length (a hash).
    Hex(usize),
    /// True or false (as JSON, or as SQLite keeps it: 1 or 0).
    Flag,
    /// An instant in RFC 3339 (`2029-12-07T09:30:00.000000Z`).
    Instant,
    /// A JSON text of at most `max` characters (a value as the change log keeps it).
    Json {
        /// The most characters.
        max: usize,
    },
}

fn text_ok(s: &str, required: bool, max: usize) -> bool {
    crate::text::nfc(s) == s && crate::text::forbidden_char(s).is_none() && s.chars().count() <= max && (!required || !s.is_empty())
}

impl Rule {
    /// Whether `value` keeps the rule.
    pub fn admits(&self, value: &Value) -> bool {
        match (*self, value) {
            (Rule::Text { required: false, .. } | Rule::Date { required: false }, Value::Null) => true,
            (Rule::Text { required, max }, Value::String(s)) => text_ok(s, required, max),
            (Rule::Date { .. }, Value::String(s)) => s.len() == 10 && s.parse::<chrono::NaiveDate>().is_ok(),
            (Rule::Year, Value::Number(n)) => n.as_i64().is_some_and(|y| (1990..=2100).contains(&y)),
            (Rule::OneOf(known), Value::String(s)) => known(s),
            (Rule::Reference, Value::String(s)) => !s.is_empty() && s.len() <= 64 && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'),
            (Rule::Integer { min, max }, Value::Number(n)) => n.as_i64().is_some_and(|i| (min..=max).contains(&i)),
            (Rule::Empty, Value::String(s)) => s.is_empty(),
            (Rule::Hex(len), Value::String(s)) => s.len() == len && s.chars().all(|c| c.is_ascii_hexdigit()),
            (Rule::Flag, Value::Bool(_)) => true,
            (Rule::Flag, Value::Number(n)) => matches!(n.as_i64(), Some(0 | 1)),
            (Rule::Instant, Value::String(s)) => s.len() <= 40 && chrono::DateTime::parse_from_rfc3339(s).is_ok(),
            (Rule::Json { max }, Value::String(s)) => s.chars().count() <= max && serde_json::from_str::<Value>(s).is_ok(),
            (Rule::List { items, max }, Value::String(json)) => match serde_json::from_str::<Value>(json) {
                Ok(Value::Array(list)) => {
                    list.len() <= items
                        && list.iter().all(|item| {
                            item.as_object().is_some_and(|fields| fields.values().all(|v| v.as_str().is_some_and(|s| text_ok(s, false, max))))
                        })
                }
                _ => false,
            },
            _ => false,
        }
    }
}

impl LimitedWrites {
    /// Why `op` with these `(column, new value)` pairs is beyond what the declaration allows;
    /// `None` when it is within. `deleted_at` is the removal's own column.
    pub fn refusal<'a>(&self, op: &str, mut values: impl Iterator<Item = (&'a str, &'a Value)>) -> Option<String> {
        let allowed = match op {
            "insert" => self.insert,
            "update" => self.update,
            "delete" => self.remove,
            _ => false,
        };
        if !allowed {
            return Some(match op {
                "delete" => "xóa bản ghi".to_owned(),
                "insert" => "thêm bản ghi".to_owned(),
                _ => "sửa bản ghi".to_owned(),
            });
        }
        values.find_map(|(column, value)| {
            if column == "deleted_at" {
                // A removal stamps it; bringing a record back is the officer's.
                return (op != "delete" || value.is_null()).then(|| "khôi phục hoặc xóa bản ghi".to_owned());
            }
            match self.columns.iter().find(|(c, _)| *c == column) {
                None => Some(format!("ghi vào trường {column}")),
                Some((_, rule)) if !rule.admits(value) => Some(format!("giá trị không hợp lệ ở trường {column}")),
                Some(_) => None,
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const NOTES: LimitedWrites = LimitedWrites {
        table: "notes",
        insert: true,
        update: false,
        remove: false,
        columns: &[("text", Rule::Text { required: true, max: 10 }), ("on", Rule::Date { required: true })],
    };

    #[test]
    fn a_declaration_admits_what_a_form_writes_and_nothing_else() {
        let ok = [("text", json!("Đã thăm")), ("on", json!("2024-06-01"))];
        assert_eq!(NOTES.refusal("insert", ok.iter().map(|(c, v)| (*c, v))), None);
        for (op, column, value, why) in [
            ("insert", "text", json!(""), "giá trị không hợp lệ"),
            ("insert", "text", json!("quá mười một ký tự"), "giá trị không hợp lệ"),
            ("insert", "text", json!("a\u{1b}[2J"), "giá trị không hợp lệ"),
            ("insert", "text", json!("abc\u{202E}def"), "giá trị không hợp lệ"),
            ("insert", "text", json!("Nguye\u{302}\u{303}n"), "giá trị không hợp lệ"),
            ("insert", "on", json!("2024-02-30"), "giá trị không hợp lệ"),
            ("insert", "on", Value::Null, "giá trị không hợp lệ"),
            ("insert", "other", json!("x"), "ghi vào trường other"),
            ("update", "text", json!("x"), "sửa bản ghi"),
            ("delete", "deleted_at", json!("2024-06-01T00:00:00Z"), "xóa bản ghi"),
        ] {
            let values = [(column, value)];
            let refusal = NOTES.refusal(op, values.iter().map(|(c, v)| (*c, v)));
            assert!(refusal.as_deref().is_some_and(|r| r.starts_with(why)), "{op} {column}: {refusal:?}");
        }
    }

    #[test]
    fn flags_instants_and_json_texts_keep_their_rules() {
        assert!(Rule::Flag.admits(&json!(true)) && Rule::Flag.admits(&json!(0)));
        assert!(!Rule::Flag.admits(&json!(2)) && !Rule::Flag.admits(&json!("true")));
        assert!(Rule::Instant.admits(&json!("2029-12-07T09:30:00.000000Z")));
        assert!(!Rule::Instant.admits(&json!("07/12/2029")) && !Rule::Instant.admits(&Value::Null));
        let value = Rule::Json { max: 20 };
        assert!(value.admits(&json!("\"Nguyễn An\"")) && value.admits(&json!("null")));
        assert!(!value.admits(&json!("không phải JSON")) && !value.admits(&json!(format!("\"{}\"", "a".repeat(30)))));
    }

    #[test]
    fn lists_hold_text_only_within_their_bounds() {
        let rule = Rule::List { items: 2, max: 5 };
        assert!(rule.admits(&json!(r#"[{"name":"An","phone":"0905"}]"#)));
        assert!(!rule.admits(&json!(r#"[{"name":"An"},{"name":"Bé"},{"name":"Cơ"}]"#)));
        assert!(!rule.admits(&json!(r#"[{"name":"Quá dài"}]"#)));
        assert!(!rule.admits(&json!(r#"[{"name":1}]"#)));
        assert!(!rule.admits(&json!("không phải JSON")));
    }
}
