//! The words of the core's enums. Each enum the window shows is declared once with
//! [`labelled_enum!`]: its variants, the word stored in the database (which is also the word on
//! the wire and in the generated TypeScript union) and the Vietnamese label. The window asks for
//! the [`Vocabulary`] once and never spells a label or invents a state.

use chrono::NaiveDate;
use serde::Serialize;
use ts_rs::TS;

/// An enum with a stored word and a Vietnamese label for each variant.
pub trait Labelled: Copy + Sized + 'static {
    /// Every variant, in the order lists show them.
    const ALL: &'static [Self];
    /// The Vietnamese label.
    fn label(self) -> &'static str;
}

/// Declares an enum whose variants are stored as words: it derives the serde, ts-rs and sqlx
/// (TEXT column) traits from the one list of `Variant = ("stored", "Nhãn")`.
macro_rules! labelled_enum {
    (
        $(#[$meta:meta])*
        pub enum $name:ident {
            $( $(#[$vmeta:meta])* $variant:ident = ($stored:literal, $label:literal), )+
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize, ts_rs::TS)]
        #[ts(export)]
        pub enum $name {
            $( $(#[$vmeta])* #[serde(rename = $stored)] $variant, )+
        }

        impl $name {
            /// Every variant, in the order lists show them.
            pub const ALL: &'static [$name] = &[$( $name::$variant ),+];

            /// The word stored in the database and sent to the window.
            pub fn as_str(self) -> &'static str {
                match self { $( $name::$variant => $stored, )+ }
            }

            /// The Vietnamese label.
            pub fn label(self) -> &'static str {
                match self { $( $name::$variant => $label, )+ }
            }

            /// Reads a stored word.
            pub fn from_stored(s: &str) -> Option<$name> {
                match s { $( $stored => Some($name::$variant), )+ _ => None }
            }
        }

        impl $crate::vocabulary::Labelled for $name {
            const ALL: &'static [$name] = $name::ALL;
            fn label(self) -> &'static str {
                $name::label(self)
            }
        }

        impl sqlx::Type<sqlx::Sqlite> for $name {
            fn type_info() -> sqlx::sqlite::SqliteTypeInfo {
                <String as sqlx::Type<sqlx::Sqlite>>::type_info()
            }
        }

        impl<'r> sqlx::Decode<'r, sqlx::Sqlite> for $name {
            fn decode(value: sqlx::sqlite::SqliteValueRef<'r>) -> Result<Self, sqlx::error::BoxDynError> {
                let s = <&str as sqlx::Decode<sqlx::Sqlite>>::decode(value)?;
                $name::from_stored(s).ok_or_else(|| format!("{} không có giá trị «{s}»", stringify!($name)).into())
            }
        }
    };
}

/// One value of an enum with its label, as a list or a select shows it.
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct Choice<T: TS> {
    /// The value.
    pub value: T,
    /// Its Vietnamese label.
    pub label: String,
}

/// Every value of `T` with its label.
pub fn choices<T: Labelled + TS>() -> Vec<Choice<T>> {
    T::ALL.iter().map(|&value| Choice { value, label: value.label().to_owned() }).collect()
}

/// A group of special circumstances as the window offers it.
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct CircumstanceChoice {
    /// The clause letter.
    pub value: crate::children::Circumstance,
    /// "Mồ côi cả cha và mẹ".
    pub label: String,
    /// "a) Mồ côi cả cha và mẹ".
    pub title: String,
    /// Decree 56's sub-groups, if it gives them.
    pub subgroups: Vec<String>,
    /// Whether collaborators are kept from seeing it.
    pub sensitive: bool,
}

/// The labels of every enum the window shows, and the facts of the day it must not compute.
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct Vocabulary {
    /// A unit's status on an activity.
    pub statuses: Vec<Choice<crate::plan::Status>>,
    /// Named periods of the year.
    pub periods: Vec<Choice<crate::plan::period::Period>>,
    /// A unit's part in an activity.
    pub roles: Vec<Choice<crate::plan::Role>>,
    /// Where a unit's report stands.
    pub report_states: Vec<Choice<crate::plan::reporting::ReportState>>,
    /// 6-monthly or yearly.
    pub report_periods: Vec<Choice<crate::plan::reporting::ReportPeriod>>,
    /// Kinds of unit.
    pub unit_kinds: Vec<Choice<crate::ward::UnitKind>>,
    /// Kinds of document.
    pub document_kinds: Vec<Choice<crate::documents::register::Kind>>,
    /// Draft or issued.
    pub document_statuses: Vec<Choice<crate::documents::register::DocStatus>>,
    /// What a due item is.
    pub due_kinds: Vec<Choice<crate::overview::DueKind>>,
    /// What an account may do.
    pub user_roles: Vec<Choice<crate::auth::UserRole>>,
    /// What happened, for audit entries that change no record.
    pub audit_events: Vec<Choice<crate::audit::Event>>,
    /// Nam / Nữ.
    pub sexes: Vec<Choice<crate::children::Sex>>,
    /// Household status.
    pub households: Vec<Choice<crate::children::Household>>,
    /// The 14 groups of special circumstances, with their sub-groups.
    pub circumstances: Vec<CircumstanceChoice>,
    /// Who gave a consent.
    pub consent_givers: Vec<Choice<crate::children::ConsentGiver>>,
    /// What a column of an imported sheet may hold.
    pub import_fields: Vec<Choice<crate::children::import::ImportField>>,
    /// How a report of abuse came.
    pub case_channels: Vec<Choice<crate::cases::Channel>>,
    /// Kinds of abuse.
    pub abuse_types: Vec<Choice<crate::cases::AbuseType>>,
    /// Where abuse happened.
    pub case_settings: Vec<Choice<crate::cases::Setting>>,
    /// Cao / Trung bình / Thấp.
    pub risks: Vec<Choice<crate::cases::Risk>>,
    /// Steps of a case.
    pub case_steps: Vec<Choice<crate::cases::StepKind>>,
    /// Where a case stands.
    pub case_stages: Vec<Choice<crate::cases::Stage>>,
    /// What a review decides.
    pub review_outcomes: Vec<Choice<crate::cases::ReviewOutcome>>,
    /// Where a case is referred.
    pub referral_targets: Vec<Choice<crate::cases::ReferredTo>>,
    /// How a deadline stands.
    pub deadline_states: Vec<Choice<crate::cases::DeadlineState>>,
    /// The forms of a case that print.
    pub case_forms: Vec<Choice<crate::documents::case_docs::CaseForm>>,
    /// A day off or worked.
    pub day_kinds: Vec<Choice<crate::calendar::DayKind>>,
    /// Which rule a deadline of a case comes from.
    pub deadline_kinds: Vec<Choice<crate::cases::DeadlineKind>>,
    /// Causes of injuries.
    pub injury_causes: Vec<Choice<crate::injuries::Cause>>,
    /// Injured or died.
    pub injury_outcomes: Vec<Choice<crate::injuries::Outcome>>,
    /// Where a check of child labour was made.
    pub check_places: Vec<Choice<crate::labour::PlaceKind>>,
    /// Which value of a conflict between laptops to keep.
    pub conflict_choices: Vec<Choice<crate::sync::ConflictChoice>>,
    /// The occasions of campaigns.
    pub occasions: Vec<Choice<crate::campaigns::Occasion>>,
    /// Where a fund's money comes from.
    pub fund_sources: Vec<Choice<crate::campaigns::FundSource>>,
    /// Who gave mobilised money.
    pub donor_kinds: Vec<Choice<crate::campaigns::DonorKind>>,
    /// Gift or scholarship.
    pub gift_kinds: Vec<Choice<crate::campaigns::recipients::GiftKind>>,
    /// Cash or in kind.
    pub gift_forms: Vec<Choice<crate::campaigns::recipients::GiftForm>>,
    /// An organisation or a person.
    pub nominee_kinds: Vec<Choice<crate::commendations::NomineeKind>>,
    /// Where a proposal for commendation stands.
    pub nomination_statuses: Vec<Choice<crate::commendations::NominationStatus>>,
    /// The fields of the Giấy khen.
    pub certificate_fields: Vec<Choice<crate::commendations::CertificateField>>,
    /// The shortest password accepted.
    #[ts(type = "number")]
    pub min_password_chars: usize,
    /// What a password should be like.
    pub password_hint: String,
    /// How far ahead "due soon" looks, in days.
    #[ts(type = "number")]
    pub due_soon_days: i64,
    /// Today in Vietnam.
    pub today: NaiveDate,
}

/// The vocabulary as of now.
pub fn vocabulary() -> Vocabulary {
    Vocabulary {
        statuses: choices(),
        periods: choices(),
        roles: choices(),
        report_states: choices(),
        report_periods: choices(),
        unit_kinds: choices(),
        document_kinds: choices(),
        document_statuses: choices(),
        due_kinds: choices(),
        user_roles: choices(),
        audit_events: choices(),
        sexes: choices(),
        households: choices(),
        circumstances: crate::children::Circumstance::ALL
            .iter()
            .map(|&c| CircumstanceChoice {
                value: c,
                label: c.label().to_owned(),
                title: c.titled(),
                subgroups: c.subgroups().iter().map(|s| s.to_string()).collect(),
                sensitive: c.sensitive(),
            })
            .collect(),
        consent_givers: choices(),
        import_fields: choices(),
        case_channels: choices(),
        abuse_types: choices(),
        case_settings: choices(),
        risks: choices(),
        case_steps: choices(),
        case_stages: choices(),
        review_outcomes: choices(),
        referral_targets: choices(),
        deadline_states: choices(),
        case_forms: choices(),
        day_kinds: choices(),
        deadline_kinds: choices(),
        injury_causes: choices(),
        injury_outcomes: choices(),
        check_places: choices(),
        conflict_choices: choices(),
        occasions: choices(),
        fund_sources: choices(),
        donor_kinds: choices(),
        gift_kinds: choices(),
        gift_forms: choices(),
        nominee_kinds: choices(),
        nomination_statuses: choices(),
        certificate_fields: choices(),
        min_password_chars: crate::auth::MIN_PASSWORD_CHARS,
        password_hint: crate::auth::password_hint(),
        due_soon_days: crate::overview::DUE_SOON_DAYS,
        today: crate::today_in_vietnam(),
    }
}
