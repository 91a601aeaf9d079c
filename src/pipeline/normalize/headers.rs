//! The header row's own problems, found before any column is mapped.

use crate::error::{Error, Result};

/// Refuses a header row that cannot be mapped honestly, naming the real cause: no header at
/// all, a header written with another delimiter (one column holding `;` or tabs), or the same
/// header text twice (which of the two columns holds the data is anybody's guess; two
/// different headers that map to one field are only a `duplicate_header` finding).
pub(super) fn check(path: &std::path::Path, headers: &[String]) -> Result<()> {
    let input = |message: String| {
        Err(Error::Input {
            path: path.to_path_buf(),
            message,
        })
    };
    if headers.is_empty() {
        return input("the file holds no header row (its first lines are blank)".into());
    }
    if let [only] = headers {
        for (d, name) in [(';', "semicolons"), ('\t', "tabs"), ('|', "vertical bars")] {
            if only.contains(d) {
                return input(format!(
                    "the header is one column, `{}`: the file is separated by {name}, and exports are read as comma-separated CSV; save the export as CSV (comma-delimited)",
                    only.chars().take(80).collect::<String>()
                ));
            }
        }
    }
    for (j, h) in headers.iter().enumerate() {
        if h.is_empty() {
            continue;
        }
        if let Some(i) = headers[..j].iter().position(|x| x == h) {
            return input(format!(
                "the header `{h}` appears twice, in columns {} ({}) and {} ({}): rename or delete one of them",
                i + 1,
                column_letter(i),
                j + 1,
                column_letter(j)
            ));
        }
    }
    Ok(())
}

/// A spreadsheet column's letters (`0` → `A`, `26` → `AA`).
fn column_letter(mut i: usize) -> String {
    let mut s = Vec::new();
    loop {
        s.push(b'A' + (i % 26) as u8);
        if i < 26 {
            break;
        }
        i = i / 26 - 1;
    }
    s.reverse();
    String::from_utf8(s).expect("ASCII")
}

#[cfg(test)]
mod tests {
    #[test]
    fn column_letters_are_excel_s() {
        let l: Vec<String> = [0, 1, 25, 26, 27, 701, 702]
            .iter()
            .map(|&i| super::column_letter(i))
            .collect();
        assert_eq!(l, ["A", "B", "Z", "AA", "AB", "ZZ", "AAA"]);
    }
}
