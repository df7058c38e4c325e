//! `deepnet predict`: streams a CSV through a checkpoint's preprocessing and model in chunks, so
//! memory does not grow with the file. Feature columns are found by name (other columns are
//! ignored); regression outputs are in the targets' own units, one column per target. Output to
//! a file is atomic: all rows or, on a bad row, nothing (the error names the line); output to
//! stdout is streamed.

use std::io::Write;

use anyhow::{bail, Context, Result};
use deepnet::checkpoint::load_model_with_metadata;
use deepnet::checkpoint::AtomicFile;
use deepnet::data::table::{csv_reader_with, EncodeReport, Preprocessing, RowEncoder};
use deepnet::{DType, Device, Output, Sequential, Tensor};

use crate::args::PredictArgs;
use crate::table::{dialect, plain_preprocessing, saved_preprocessing};

/// Rows per forward pass.
const CHUNK: usize = 4096;

pub fn run(a: PredictArgs) -> Result<()> {
    let (model, meta) = load_model_with_metadata(&a.checkpoint, &Device::Cpu, DType::F32)?;
    let saved = saved_preprocessing(&meta, &a.checkpoint)?;
    let input = a.input.display().to_string();
    let base = saved.as_ref().map(|p| p.dialect()).unwrap_or_default();
    let d = dialect(a.delimiter.as_deref(), None, base)?;
    let file = std::fs::File::open(&a.input).with_context(|| input.clone())?;
    let mut rdr = csv_reader_with(file, d.delimiter).with_context(|| input.clone())?;
    let header: Vec<String> = rdr
        .headers()
        .with_context(|| input.clone())?
        .iter()
        .map(String::from)
        .collect();
    if header.iter().all(|h| h.is_empty()) {
        bail!("{input}: the file is empty; expected a header line with column names");
    }
    let own = saved.is_some();
    let pre = match saved {
        Some(p) => p,
        None => plain_preprocessing(&model, &meta, &a.checkpoint, &header, &input)?,
    };
    if pre.width() != model.spec().inputs {
        bail!(
            "checkpoint {}: the preprocessing makes {} inputs but the model takes {}",
            a.checkpoint.display(),
            pre.width(),
            model.spec().inputs
        );
    }
    let encoder = pre.row_encoder(&header, &input)?;
    let classes = pre.class_names().to_vec();
    let mut head: Vec<String> = match model.spec().output {
        Output::Linear if own => pre.targets.clone(),
        Output::Linear if model.spec().output_units() > 1 => (0..model.spec().output_units())
            .map(|i| format!("prediction_{i}"))
            .collect(),
        _ => vec!["prediction".to_string()],
    };
    head.extend(classes.iter().map(|c| format!("p_{c}")));
    let ctx = Stream {
        model: &model,
        pre: &pre,
        encoder: &encoder,
        head: &head,
        input: &input,
    };
    let mut report = EncodeReport::default();
    let rows = match &a.output {
        Some(path) => {
            let mut file = AtomicFile::create(path)?;
            let rows = ctx.run(&mut rdr, &mut file, &mut report)?;
            file.commit()?;
            rows
        }
        None => ctx.run(&mut rdr, &mut std::io::stdout().lock(), &mut report)?,
    };
    for w in report.warnings() {
        eprintln!("warning: {w}");
    }
    eprintln!("predicted {rows} rows");
    Ok(())
}

struct Stream<'a> {
    model: &'a Sequential,
    pre: &'a Preprocessing,
    encoder: &'a RowEncoder<'a>,
    head: &'a [String],
    input: &'a str,
}

impl Stream<'_> {
    /// Reads rows in chunks of [`CHUNK`], predicts and writes them; returns the row count.
    fn run(
        &self,
        rdr: &mut csv::Reader<std::io::BufReader<std::fs::File>>,
        out: &mut dyn Write,
        report: &mut EncodeReport,
    ) -> Result<usize> {
        let inputs = self.model.spec().inputs;
        let mut w = csv::Writer::from_writer(out);
        w.write_record(self.head)?;
        let mut buf: Vec<f32> = Vec::with_capacity(CHUNK * inputs);
        let mut record = csv::StringRecord::new();
        let mut rows = 0usize;
        loop {
            let more = rdr
                .read_record(&mut record)
                .with_context(|| self.input.to_string())?;
            if more {
                let line = record.position().map_or(0, |p| p.line());
                self.encoder.encode(&record, line, &mut buf, report)?;
            }
            if buf.len() >= CHUNK * inputs || (!more && !buf.is_empty()) {
                let n = buf.len() / inputs;
                let x = Tensor::from_slice(&buf, (n, inputs), &Device::Cpu)?;
                self.write_rows(&mut w, &x)?;
                rows += n;
                buf.clear();
            }
            if !more {
                break;
            }
        }
        if rows == 0 {
            bail!("{}: the file has a header but no data rows", self.input);
        }
        w.flush()?;
        Ok(rows)
    }

    fn write_rows<W: Write>(&self, out: &mut csv::Writer<W>, x: &Tensor) -> Result<()> {
        let p = self.model.predict_proba(x)?.to_vec2::<f32>()?;
        let classes = self.pre.class_names();
        for row in p {
            let mut fields: Vec<String> = Vec::with_capacity(row.len() + 2);
            match self.model.spec().output {
                Output::Linear => fields.extend(
                    self.pre
                        .target
                        .to_original(&row)
                        .iter()
                        .map(|v| v.to_string()),
                ),
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
}
