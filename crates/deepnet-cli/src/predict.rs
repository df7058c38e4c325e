//! `deepnet predict`: streams a CSV through a checkpoint in chunks, so memory does not grow with
//! the file. Output to a file is atomic: all rows or, on a bad row, nothing (the error names the
//! line); output to stdout is streamed.

use std::io::Write;

use anyhow::{bail, Context, Result};
use deepnet::checkpoint::load_model_with_metadata;
use deepnet::checkpoint::AtomicFile;
use deepnet::data::parse_number;
use deepnet::{DType, Device, Output, Sequential, Tensor};

use crate::args::PredictArgs;

/// Rows per forward pass.
const CHUNK: usize = 4096;

pub fn run(a: PredictArgs) -> Result<()> {
    let (model, meta) = load_model_with_metadata(&a.checkpoint, &Device::Cpu, DType::F32)?;
    let features: Option<Vec<String>> = match meta.get("deepnet.features") {
        Some(text) => Some(serde_json::from_str(text).with_context(|| {
            format!(
                "checkpoint {}: `deepnet.features` is not a JSON list",
                a.checkpoint.display()
            )
        })?),
        None => None,
    };
    let input = a.input.display().to_string();
    let file = std::fs::File::open(&a.input).with_context(|| input.clone())?;
    let mut rdr = deepnet::data::csv_reader(file).with_context(|| input.clone())?;
    let header: Vec<String> = rdr
        .headers()
        .with_context(|| input.clone())?
        .iter()
        .map(String::from)
        .collect();
    if header.iter().all(|h| h.is_empty()) {
        bail!("{input}: the file is empty; expected a header line with column names");
    }
    let inputs = model.spec().inputs;
    let columns: Vec<usize> = match &features {
        Some(names) => names
            .iter()
            .map(|n| {
                header.iter().position(|h| h == n).with_context(|| {
                    format!("{input}: no column `{n}`; the model needs {}", names.join(", "))
                })
            })
            .collect::<Result<_>>()?,
        None if header.len() == inputs => (0..inputs).collect(),
        None => bail!(
            "{input}: the checkpoint does not name its features, so the file must have exactly {inputs} columns; it has {}",
            header.len()
        ),
    };
    let classes: Vec<String> = match model.spec().output {
        Output::Linear => Vec::new(),
        Output::Sigmoid => model
            .class_names()
            .map(<[String]>::to_vec)
            .unwrap_or_else(|| vec!["0".into(), "1".into()]),
        Output::Softmax => model
            .class_names()
            .map(<[String]>::to_vec)
            .unwrap_or_else(|| {
                (0..model.spec().output_units())
                    .map(|i| i.to_string())
                    .collect()
            }),
    };
    let ctx = Stream {
        model: &model,
        columns: &columns,
        header: &header,
        classes: &classes,
        input: &input,
    };
    let rows = match &a.output {
        Some(path) => {
            let mut file = AtomicFile::create(path)?;
            let rows = ctx.run(&mut rdr, &mut file)?;
            file.commit()?;
            rows
        }
        None => ctx.run(&mut rdr, &mut std::io::stdout().lock())?,
    };
    eprintln!("predicted {rows} rows");
    Ok(())
}

struct Stream<'a> {
    model: &'a Sequential,
    columns: &'a [usize],
    header: &'a [String],
    classes: &'a [String],
    input: &'a str,
}

impl Stream<'_> {
    /// Reads rows in chunks of [`CHUNK`], predicts and writes them; returns the row count.
    fn run(
        &self,
        rdr: &mut csv::Reader<std::io::BufReader<std::fs::File>>,
        out: &mut dyn Write,
    ) -> Result<usize> {
        let (model, input, header) = (self.model, self.input, self.header);
        let inputs = model.spec().inputs;
        let mut w = csv::Writer::from_writer(out);
        let mut head = vec!["prediction".to_string()];
        if model.spec().output == Output::Linear && model.spec().output_units() > 1 {
            head = (0..model.spec().output_units())
                .map(|i| format!("prediction_{i}"))
                .collect();
        }
        head.extend(self.classes.iter().map(|c| format!("p_{c}")));
        w.write_record(&head)?;
        let mut buf: Vec<f32> = Vec::with_capacity(CHUNK * inputs);
        let mut record = csv::StringRecord::new();
        let mut rows = 0usize;
        loop {
            let more = rdr
                .read_record(&mut record)
                .with_context(|| input.to_string())?;
            if more {
                let line = record.position().map_or(0, |p| p.line());
                if record.len() != header.len() {
                    bail!(
                        "{input}:{line}: row has {} fields but the header has {}",
                        record.len(),
                        header.len()
                    );
                }
                for &c in self.columns {
                    let v = parse_number(&record[c]).map_err(|msg| {
                        anyhow::anyhow!("{input}:{line}: column `{}`: {msg}", header[c])
                    })?;
                    buf.push(v);
                }
            }
            if buf.len() >= CHUNK * inputs || (!more && !buf.is_empty()) {
                let n = buf.len() / inputs;
                let x = Tensor::from_slice(&buf, (n, inputs), &Device::Cpu)?;
                write_rows(&mut w, model, &x, self.classes)?;
                rows += n;
                buf.clear();
            }
            if !more {
                break;
            }
        }
        if rows == 0 {
            bail!("{input}: the file has a header but no data rows");
        }
        w.flush()?;
        Ok(rows)
    }
}

fn write_rows<W: Write>(
    out: &mut csv::Writer<W>,
    model: &Sequential,
    x: &Tensor,
    classes: &[String],
) -> Result<()> {
    let p = model.predict_proba(x)?.to_vec2::<f32>()?;
    for row in p {
        let mut fields: Vec<String> = Vec::with_capacity(row.len() + 2);
        match model.spec().output {
            Output::Linear => fields.extend(row.iter().map(|v| v.to_string())),
            Output::Sigmoid => {
                let p1 = row[0];
                fields.push(classes[usize::from(p1 > 0.5)].clone());
                fields.push((1.0 - p1).to_string());
                fields.push(p1.to_string());
            }
            Output::Softmax => {
                let best = row
                    .iter()
                    .enumerate()
                    .fold(0, |b, (i, v)| if *v > row[b] { i } else { b });
                fields.push(classes[best].clone());
                fields.extend(row.iter().map(|v| v.to_string()));
            }
        }
        out.write_record(&fields)?;
    }
    Ok(())
}
