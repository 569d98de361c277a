//! The coordination file (DESIGN §2): parsing, rules, appending.
