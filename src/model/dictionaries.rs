//! The run's dictionaries, one per coded field and carried-through column.

use super::{Code, Dictionary, Field};

/// The run's dictionaries: one per coded field ([`Field::is_coded`]) and one per
/// carried-through column, which [`Complaint`]s hold codes into. Built by normalize, read by
/// every later stage.
#[derive(Debug, Clone, Default)]
pub struct Dictionaries {
    fields: [Dictionary; Field::CODED.len()],
    extras: Vec<Dictionary>,
}

impl Dictionaries {
    /// The dictionary of coded field `f`.
    ///
    /// # Panics
    /// If `f` is not coded: a stage that asks for another field's dictionary is a bug.
    pub fn field(&self, f: Field) -> &Dictionary {
        &self.fields[f.coded_index().expect("a coded field")]
    }

    /// The dictionary of coded field `f`, to add to.
    pub fn field_mut(&mut self, f: Field) -> &mut Dictionary {
        &mut self.fields[f.coded_index().expect("a coded field")]
    }

    /// Coded field `f`'s value of `code`.
    pub fn text(&self, f: Field, code: Option<Code>) -> Option<&str> {
        self.field(f).value(code)
    }

    /// The dictionary of carried-through column `x` (empty if none was read).
    pub fn extra(&self, x: usize) -> &Dictionary {
        static EMPTY: std::sync::OnceLock<Dictionary> = std::sync::OnceLock::new();
        self.extras
            .get(x)
            .unwrap_or_else(|| EMPTY.get_or_init(Dictionary::default))
    }

    /// The dictionary of carried-through column `x`, to add to.
    pub fn extra_mut(&mut self, x: usize) -> &mut Dictionary {
        if self.extras.len() <= x {
            self.extras.resize_with(x + 1, Dictionary::default);
        }
        &mut self.extras[x]
    }

    /// Drops every dictionary's lookup index once the run's values are all in.
    pub fn seal(&mut self) {
        self.fields
            .iter_mut()
            .chain(&mut self.extras)
            .for_each(Dictionary::seal);
    }
}

#[cfg(test)]
mod tests {
    use super::Field;

    /// The table behind `coded_index` is `CODED`'s order, and has no other field.
    #[test]
    fn a_fields_coded_index_is_its_place_in_coded() {
        for (k, f) in Field::ALL.iter().enumerate() {
            assert_eq!(*f as usize, k, "{f:?}: ALL is in declaration order");
            assert_eq!(
                f.coded_index(),
                Field::CODED.iter().position(|c| c == f),
                "{f:?}"
            );
        }
    }
}
