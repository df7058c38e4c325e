//! A CSV table as text: the header and every cell, stored per column as a code into that column's
//! distinct values, with missing cells (empty or an NA token) marked. Nothing is interpreted yet;
//! [`crate::table::Preprocessing`] decides what the columns are.

use std::borrow::Cow;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;

use crate::error::{DataError, Result};
use crate::table::number::parse_finite;

/// The code of a missing cell.
pub const MISSING: u32 = u32::MAX;

/// The NA tokens read as missing cells by default (the empty cell is always missing).
pub const DEFAULT_NA_VALUES: [&str; 7] = ["NA", "N/A", "NaN", "nan", "null", "NULL", "?"];

/// How a CSV file is read: its delimiter (detected when `None`) and the tokens that mark a
/// missing cell besides the empty one.
#[derive(Clone, Debug, PartialEq)]
pub struct Dialect {
    /// The field delimiter; `None` detects it from the header line (see [`sniff_delimiter`]).
    pub delimiter: Option<u8>,
    /// Cells equal to one of these (after trimming) are missing.
    pub na_values: Vec<String>,
}

impl Default for Dialect {
    fn default() -> Self {
        Dialect {
            delimiter: None,
            na_values: DEFAULT_NA_VALUES.iter().map(|s| s.to_string()).collect(),
        }
    }
}

impl Dialect {
    /// True when the trimmed `cell` is missing: empty, or one of the NA tokens.
    pub fn is_missing(&self, cell: &str) -> bool {
        // Cells longer than every token (most numbers) skip the comparisons.
        cell.is_empty()
            || (cell.len() <= self.longest_na() && self.na_values.iter().any(|na| na == cell))
    }

    fn longest_na(&self) -> usize {
        self.na_values.iter().map(String::len).max().unwrap_or(0)
    }
}

/// One column's cells. A column is read as numbers while every non-missing cell is one (no
/// text is kept: measured on a 45 MB table of 200,000 rows × 31 numeric columns, interning
/// every distinct text took 4.4 s against 0.6 s for the CSV parse, as the hash tables outgrow the
/// cache); the first cell that is not a number turns it into text, its earlier numbers written
/// in their shortest form.
#[derive(Clone, Debug, PartialEq)]
pub enum RawColumn {
    /// Every non-missing cell is a finite number in the f32 range: the value of every row, NaN
    /// for a missing cell.
    Numbers(Vec<f64>),
    /// Text: a code per row into `values` (the distinct non-missing texts, in order of first
    /// appearance), [`MISSING`] for a missing cell.
    Text {
        /// Code of every row's cell.
        codes: Vec<u32>,
        /// The distinct texts.
        values: Vec<String>,
    },
}

impl RawColumn {
    /// True when row `r`'s cell is missing.
    pub fn is_missing(&self, r: usize) -> bool {
        match self {
            RawColumn::Numbers(v) => v[r].is_nan(),
            RawColumn::Text { codes, .. } => codes[r] == MISSING,
        }
    }

    /// The text of row `r`'s cell (a number in its shortest form), `None` when missing.
    pub fn cell(&self, r: usize) -> Option<Cow<'_, str>> {
        match self {
            RawColumn::Numbers(v) => (!v[r].is_nan()).then(|| Cow::Owned(v[r].to_string())),
            RawColumn::Text { codes, values } => match codes[r] {
                MISSING => None,
                c => Some(Cow::Borrowed(values[c as usize].as_str())),
            },
        }
    }

    /// Row `r`'s cell as a finite number in the f32 range, `None` when missing or not a number.
    pub fn number(&self, r: usize) -> Option<f64> {
        match self {
            RawColumn::Numbers(v) => (!v[r].is_nan()).then_some(v[r]),
            RawColumn::Text { .. } => self.cell(r).and_then(|c| parse_finite(&c)),
        }
    }

    /// Number of missing cells among `rows`.
    pub fn missing_in(&self, rows: &[usize]) -> usize {
        rows.iter().filter(|&&r| self.is_missing(r)).count()
    }
}

/// A column being read: numbers until a cell is not one, then interned text.
pub(super) struct Reading {
    column: RawColumn,
    index: ahash::AHashMap<String, u32>,
}

impl Reading {
    /// An empty column.
    pub(super) fn new() -> Self {
        Reading {
            column: RawColumn::Numbers(Vec::new()),
            index: ahash::AHashMap::new(),
        }
    }

    /// The column read.
    pub(super) fn finish(self) -> RawColumn {
        self.column
    }

    /// Adds a cell (`None` when missing).
    pub(super) fn push(&mut self, cell: Option<&str>) {
        if let RawColumn::Numbers(v) = &mut self.column {
            match cell {
                None => return v.push(f64::NAN),
                Some(text) => {
                    if let Some(x) = parse_finite(text) {
                        return v.push(x);
                    }
                }
            }
            // The first cell that is not a number: the column becomes text.
            let numbers = std::mem::take(v);
            self.column = RawColumn::Text {
                codes: Vec::with_capacity(numbers.capacity()),
                values: Vec::new(),
            };
            for x in numbers {
                let text = (!x.is_nan()).then(|| x.to_string());
                self.push_text(text.as_deref());
            }
        }
        self.push_text(cell);
    }

    fn push_text(&mut self, cell: Option<&str>) {
        let RawColumn::Text { codes, values } = &mut self.column else {
            return;
        };
        let code = match cell {
            None => MISSING,
            Some(text) => match self.index.get(text) {
                Some(&c) => c,
                None => {
                    let c = values.len() as u32;
                    values.push(text.to_string());
                    self.index.insert(text.to_string(), c);
                    c
                }
            },
        };
        codes.push(code);
    }
}

/// A whole CSV table as text.
#[derive(Clone, Debug, PartialEq)]
pub struct RawTable {
    /// Names the file in errors.
    pub source: String,
    /// Column names, in file order.
    pub header: Vec<String>,
    /// One entry per header column.
    pub columns: Vec<RawColumn>,
    /// The file's line number of every row (1-based, counting the header as line 1).
    pub lines: Vec<u64>,
}

impl RawTable {
    /// Reads a CSV file.
    pub fn read(path: impl AsRef<Path>, dialect: &Dialect) -> Result<Self> {
        let path = path.as_ref();
        let file = std::fs::File::open(path).map_err(|cause| DataError::Io {
            path: path.to_path_buf(),
            cause,
        })?;
        Self::parse(file, &path.display().to_string(), dialect)
    }

    /// Reads CSV text from `reader`; `source` names it in errors.
    pub fn parse(reader: impl Read, source: &str, dialect: &Dialect) -> Result<Self> {
        let mut rdr =
            csv_reader_with(reader, dialect.delimiter).map_err(|cause| DataError::Io {
                path: source.into(),
                cause,
            })?;
        let csv_err = |e: csv::Error| DataError::Csv {
            path: source.to_string(),
            msg: e.to_string(),
        };
        let header: Vec<String> = rdr
            .headers()
            .map_err(csv_err)?
            .iter()
            .map(String::from)
            .collect();
        if header.is_empty() || header.iter().all(|h| h.is_empty()) {
            return Err(DataError::Empty {
                path: source.to_string(),
                msg: "the file is empty; expected a header line with column names".into(),
            });
        }
        if let Some(dup) = header
            .iter()
            .enumerate()
            .find(|(i, h)| header[..*i].contains(h))
        {
            return Err(DataError::Empty {
                path: source.to_string(),
                msg: format!("the header names column `{}` twice", dup.1),
            });
        }
        let mut columns: Vec<Reading> = header.iter().map(|_| Reading::new()).collect();
        let mut lines = Vec::new();
        let mut record = csv::StringRecord::new();
        while rdr.read_record(&mut record).map_err(csv_err)? {
            let line = record.position().map_or(0, |p| p.line());
            if record.len() == 1 && record[0].is_empty() {
                continue; // a blank line
            }
            if record.len() != header.len() {
                return Err(DataError::Ragged {
                    path: source.to_string(),
                    line,
                    expected: header.len(),
                    found: record.len(),
                });
            }
            for (cell, col) in record.iter().zip(&mut columns) {
                col.push((!dialect.is_missing(cell)).then_some(cell));
            }
            lines.push(line);
        }
        if lines.is_empty() {
            return Err(DataError::Empty {
                path: source.to_string(),
                msg: "the file has a header but no data rows".into(),
            });
        }
        Ok(RawTable {
            source: source.to_string(),
            header,
            columns: columns.into_iter().map(Reading::finish).collect(),
            lines,
        })
    }

    /// Number of data rows.
    pub fn len(&self) -> usize {
        self.lines.len()
    }

    /// True when there are no data rows (never, for a table that was read).
    pub fn is_empty(&self) -> bool {
        self.lines.is_empty()
    }

    /// The index of column `name`, or an error naming the flag that asked for it and the header.
    pub fn column(&self, name: &str, what: &str) -> Result<usize> {
        self.header
            .iter()
            .position(|h| h == name)
            .ok_or_else(|| DataError::Column {
                path: self.source.clone(),
                column: name.to_string(),
                what: what.to_string(),
                available: self.header.join(", "),
            })
    }
}

/// The delimiters a header line is checked for, in order of preference on a tie.
const DELIMITERS: [u8; 4] = [b',', b';', b'\t', b'|'];

/// The delimiter of a CSV file from its header line: the one of `,` `;` tab `|` that occurs most
/// often outside quotes (the first of them on a tie), comma when none occurs.
pub fn sniff_delimiter(header: &[u8]) -> u8 {
    let mut counts = [0usize; DELIMITERS.len()];
    let mut quoted = false;
    for &b in header {
        if b == b'"' {
            quoted = !quoted;
        } else if !quoted {
            if let Some(i) = DELIMITERS.iter().position(|&d| d == b) {
                counts[i] += 1;
            }
        }
    }
    let best = (0..DELIMITERS.len())
        .max_by_key(|&i| (counts[i], std::cmp::Reverse(i)))
        .unwrap_or(0);
    if counts[best] == 0 {
        b','
    } else {
        DELIMITERS[best]
    }
}

/// A CSV reader over `reader` (fields trimmed, rows of any length) with the delimiter detected
/// from the header line by [`sniff_delimiter`].
pub fn csv_reader<R: Read>(reader: R) -> std::io::Result<csv::Reader<BufReader<R>>> {
    csv_reader_with(reader, None)
}

/// [`csv_reader`] with the delimiter given, or detected when `None`. Files whose first line ends
/// in CRLF are read with `\n` as the terminator (the `\r` is trimmed with the other whitespace),
/// so that error line numbers are the file's own.
pub fn csv_reader_with<R: Read>(
    reader: R,
    delimiter: Option<u8>,
) -> std::io::Result<csv::Reader<BufReader<R>>> {
    let mut buf = BufReader::with_capacity(1 << 16, reader);
    let head = buf.fill_buf()?;
    let end = head.iter().position(|&b| b == b'\n');
    let first = &head[..end.unwrap_or(head.len())];
    let delimiter = delimiter.unwrap_or_else(|| sniff_delimiter(first));
    let crlf = end.is_some() && first.last() == Some(&b'\r');
    let mut builder = csv::ReaderBuilder::new();
    builder
        .delimiter(delimiter)
        .flexible(true)
        .trim(csv::Trim::All);
    if crlf {
        builder.terminator(csv::Terminator::Any(b'\n'));
    }
    Ok(builder.from_reader(buf))
}

/// Parses a `--delimiter` value: one ASCII character, or `tab` / `\t`.
pub fn parse_delimiter(text: &str) -> std::result::Result<u8, String> {
    match text {
        "tab" | "\\t" | "\t" => Ok(b'\t'),
        t if t.len() == 1 && t.is_ascii() && t != "\"" && t != "\n" && t != "\r" => {
            Ok(t.as_bytes()[0])
        }
        t => Err(format!(
            "the delimiter must be one character (or `tab`), got `{t}`"
        )),
    }
}
