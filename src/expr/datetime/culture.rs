//! The few cultures (locales) the date functions know: names of months and
//! days, AM/PM designators and the patterns behind the standard .NET format
//! letters, as Windows (NLS) data has them.

/// The order of day, month and year in a numeric date.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum DateOrder {
    /// Month, day, year (en-US).
    Mdy,
    /// Day, month, year (most of Europe).
    Dmy,
}

/// Date and time formatting data of one culture.
#[derive(Debug)]
pub(super) struct Culture {
    /// The culture name, such as `en-US`.
    pub name: &'static str,
    /// Day names, Sunday first.
    pub days: [&'static str; 7],
    /// Abbreviated day names, Sunday first.
    pub abbr_days: [&'static str; 7],
    /// Month names, January first.
    pub months: [&'static str; 12],
    /// Abbreviated month names, January first.
    pub abbr_months: [&'static str; 12],
    /// The AM designator.
    pub am: &'static str,
    /// The PM designator.
    pub pm: &'static str,
    /// The era name, for `g`.
    pub era: &'static str,
    /// What the `/` custom specifier prints.
    pub date_sep: &'static str,
    /// Pattern of `d`.
    pub short_date: &'static str,
    /// Pattern of `D`.
    pub long_date: &'static str,
    /// Pattern of `t`.
    pub short_time: &'static str,
    /// Pattern of `T`.
    pub long_time: &'static str,
    /// Pattern of `m` and `M`.
    pub month_day: &'static str,
    /// Pattern of `y` and `Y`.
    pub year_month: &'static str,
    /// Order of a numeric date when parsing without a format.
    pub order: DateOrder,
}

const EN_DAYS: [&str; 7] = [
    "Sunday",
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
];
const EN_ABBR_DAYS: [&str; 7] = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
const EN_MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];
const EN_ABBR_MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// en-US, the default culture, whose names are also the invariant ones.
pub(super) static EN_US: Culture = Culture {
    name: "en-US",
    days: EN_DAYS,
    abbr_days: EN_ABBR_DAYS,
    months: EN_MONTHS,
    abbr_months: EN_ABBR_MONTHS,
    am: "AM",
    pm: "PM",
    era: "A.D.",
    date_sep: "/",
    short_date: "M/d/yyyy",
    long_date: "dddd, MMMM d, yyyy",
    short_time: "h:mm tt",
    long_time: "h:mm:ss tt",
    month_day: "MMMM d",
    year_month: "MMMM yyyy",
    order: DateOrder::Mdy,
};

static EN_GB: Culture = Culture {
    name: "en-GB",
    days: EN_DAYS,
    abbr_days: EN_ABBR_DAYS,
    months: EN_MONTHS,
    abbr_months: EN_ABBR_MONTHS,
    am: "AM",
    pm: "PM",
    era: "A.D.",
    date_sep: "/",
    short_date: "dd/MM/yyyy",
    long_date: "dd MMMM yyyy",
    short_time: "HH:mm",
    long_time: "HH:mm:ss",
    month_day: "dd MMMM",
    year_month: "MMMM yyyy",
    order: DateOrder::Dmy,
};

static FR_FR: Culture = Culture {
    name: "fr-FR",
    days: [
        "dimanche", "lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi",
    ],
    abbr_days: ["dim.", "lun.", "mar.", "mer.", "jeu.", "ven.", "sam."],
    months: [
        "janvier",
        "février",
        "mars",
        "avril",
        "mai",
        "juin",
        "juillet",
        "août",
        "septembre",
        "octobre",
        "novembre",
        "décembre",
    ],
    abbr_months: [
        "janv.", "févr.", "mars", "avr.", "mai", "juin", "juil.", "août", "sept.", "oct.", "nov.",
        "déc.",
    ],
    am: "AM",
    pm: "PM",
    era: "ap. J.-C.",
    date_sep: "/",
    short_date: "dd/MM/yyyy",
    long_date: "dddd d MMMM yyyy",
    short_time: "HH:mm",
    long_time: "HH:mm:ss",
    month_day: "d MMMM",
    year_month: "MMMM yyyy",
    order: DateOrder::Dmy,
};

static DE_DE: Culture = Culture {
    name: "de-DE",
    days: [
        "Sonntag",
        "Montag",
        "Dienstag",
        "Mittwoch",
        "Donnerstag",
        "Freitag",
        "Samstag",
    ],
    abbr_days: ["So", "Mo", "Di", "Mi", "Do", "Fr", "Sa"],
    months: [
        "Januar",
        "Februar",
        "März",
        "April",
        "Mai",
        "Juni",
        "Juli",
        "August",
        "September",
        "Oktober",
        "November",
        "Dezember",
    ],
    abbr_months: [
        "Jan", "Feb", "Mär", "Apr", "Mai", "Jun", "Jul", "Aug", "Sep", "Okt", "Nov", "Dez",
    ],
    am: "AM",
    pm: "PM",
    era: "n. Chr.",
    date_sep: ".",
    short_date: "dd.MM.yyyy",
    long_date: "dddd, d. MMMM yyyy",
    short_time: "HH:mm",
    long_time: "HH:mm:ss",
    month_day: "d. MMMM",
    year_month: "MMMM yyyy",
    order: DateOrder::Dmy,
};

static ES_ES: Culture = Culture {
    name: "es-ES",
    days: [
        "domingo",
        "lunes",
        "martes",
        "miércoles",
        "jueves",
        "viernes",
        "sábado",
    ],
    abbr_days: ["do.", "lu.", "ma.", "mi.", "ju.", "vi.", "sá."],
    months: [
        "enero",
        "febrero",
        "marzo",
        "abril",
        "mayo",
        "junio",
        "julio",
        "agosto",
        "septiembre",
        "octubre",
        "noviembre",
        "diciembre",
    ],
    abbr_months: [
        "ene.", "feb.", "mar.", "abr.", "may.", "jun.", "jul.", "ago.", "sep.", "oct.", "nov.",
        "dic.",
    ],
    am: "a. m.",
    pm: "p. m.",
    era: "d. C.",
    date_sep: "/",
    short_date: "dd/MM/yyyy",
    long_date: "dddd, d' de 'MMMM' de 'yyyy",
    short_time: "H:mm",
    long_time: "H:mm:ss",
    month_day: "d 'de' MMMM",
    year_month: "MMMM' de 'yyyy",
    order: DateOrder::Dmy,
};

static IT_IT: Culture = Culture {
    name: "it-IT",
    days: [
        "domenica",
        "lunedì",
        "martedì",
        "mercoledì",
        "giovedì",
        "venerdì",
        "sabato",
    ],
    abbr_days: ["dom", "lun", "mar", "mer", "gio", "ven", "sab"],
    months: [
        "gennaio",
        "febbraio",
        "marzo",
        "aprile",
        "maggio",
        "giugno",
        "luglio",
        "agosto",
        "settembre",
        "ottobre",
        "novembre",
        "dicembre",
    ],
    abbr_months: [
        "gen", "feb", "mar", "apr", "mag", "giu", "lug", "ago", "set", "ott", "nov", "dic",
    ],
    am: "AM",
    pm: "PM",
    era: "d.C.",
    date_sep: "/",
    short_date: "dd/MM/yyyy",
    long_date: "dddd d MMMM yyyy",
    short_time: "HH:mm",
    long_time: "HH:mm:ss",
    month_day: "d MMMM",
    year_month: "MMMM yyyy",
    order: DateOrder::Dmy,
};

static NL_NL: Culture = Culture {
    name: "nl-NL",
    days: [
        "zondag",
        "maandag",
        "dinsdag",
        "woensdag",
        "donderdag",
        "vrijdag",
        "zaterdag",
    ],
    abbr_days: ["zo", "ma", "di", "wo", "do", "vr", "za"],
    months: [
        "januari",
        "februari",
        "maart",
        "april",
        "mei",
        "juni",
        "juli",
        "augustus",
        "september",
        "oktober",
        "november",
        "december",
    ],
    abbr_months: [
        "jan", "feb", "mrt", "apr", "mei", "jun", "jul", "aug", "sep", "okt", "nov", "dec",
    ],
    am: "AM",
    pm: "PM",
    era: "n.Chr.",
    date_sep: "-",
    short_date: "d-M-yyyy",
    long_date: "dddd d MMMM yyyy",
    short_time: "HH:mm",
    long_time: "HH:mm:ss",
    month_day: "d MMMM",
    year_month: "MMMM yyyy",
    order: DateOrder::Dmy,
};

static PT_BR: Culture = Culture {
    name: "pt-BR",
    days: [
        "domingo",
        "segunda-feira",
        "terça-feira",
        "quarta-feira",
        "quinta-feira",
        "sexta-feira",
        "sábado",
    ],
    abbr_days: ["dom", "seg", "ter", "qua", "qui", "sex", "sáb"],
    months: [
        "janeiro",
        "fevereiro",
        "março",
        "abril",
        "maio",
        "junho",
        "julho",
        "agosto",
        "setembro",
        "outubro",
        "novembro",
        "dezembro",
    ],
    abbr_months: [
        "jan", "fev", "mar", "abr", "mai", "jun", "jul", "ago", "set", "out", "nov", "dez",
    ],
    am: "AM",
    pm: "PM",
    era: "d.C.",
    date_sep: "/",
    short_date: "dd/MM/yyyy",
    long_date: "dddd, d' de 'MMMM' de 'yyyy",
    short_time: "HH:mm",
    long_time: "HH:mm:ss",
    month_day: "d' de 'MMMM",
    year_month: "MMMM' de 'yyyy",
    order: DateOrder::Dmy,
};

/// Every culture known here; for a bare language code (`fr`) the first
/// culture of that language answers.
static ALL: [&Culture; 8] = [
    &EN_US, &EN_GB, &FR_FR, &DE_DE, &ES_ES, &IT_IT, &NL_NL, &PT_BR,
];

/// The culture called `name` (case ignored; `_` taken for `-`), or a bare
/// language code such as `fr`.
pub(super) fn find(name: &str) -> Option<&'static Culture> {
    let name = name.trim().replace('_', "-");
    if let Some(c) = ALL.iter().find(|c| c.name.eq_ignore_ascii_case(&name)) {
        return Some(c);
    }
    if name.len() == 2 {
        return ALL
            .iter()
            .find(|c| c.name[..2].eq_ignore_ascii_case(&name))
            .copied();
    }
    None
}

/// The names of the cultures known here, for error messages.
pub(super) fn names() -> String {
    ALL.iter().map(|c| c.name).collect::<Vec<_>>().join(", ")
}
