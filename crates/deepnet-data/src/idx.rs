//! IDX files (the MNIST family's format), plain or gzip-compressed, and Fashion-MNIST.
//!
//! Layout: big-endian u32 magic `0x0000_08NN` (type u8, NN dimensions), NN big-endian u32
//! dimensions, then the u8 data.

use std::io::Read;

use rayon::prelude::*;
use std::path::{Path, PathBuf};

use crate::dataset::{Dataset, Labels};
use crate::error::{DataError, Result};

/// Where Debian's `dataset-fashion-mnist` package installs the files.
pub const FASHION_MNIST_DIR: &str = "/usr/share/datasets/fashion-mnist";

/// Fashion-MNIST's class names, in label order.
pub const FASHION_CLASSES: [&str; 10] = [
    "T-shirt/top",
    "Trouser",
    "Pullover",
    "Dress",
    "Coat",
    "Sandal",
    "Shirt",
    "Sneaker",
    "Bag",
    "Ankle boot",
];

/// Largest IDX payload accepted (1 GiB), checked before allocating.
pub const MAX_IDX_BYTES: u64 = 1 << 30;

/// An IDX file: its dimensions and u8 data.
#[derive(Clone, Debug, PartialEq)]
pub struct Idx {
    /// Dimensions, outermost first.
    pub dims: Vec<usize>,
    /// `dims.iter().product()` bytes.
    pub data: Vec<u8>,
}

/// Reads an IDX file of unsigned bytes; gzip is detected from the file's first bytes.
pub fn read_idx(path: impl AsRef<Path>) -> Result<Idx> {
    let path = path.as_ref();
    let err = |msg: String| DataError::Idx {
        path: path.to_path_buf(),
        msg,
    };
    let file = std::fs::File::open(path).map_err(|cause| DataError::Io {
        path: path.to_path_buf(),
        cause,
    })?;
    let mut head = [0u8; 2];
    let mut peek = std::io::BufReader::new(file);
    let n = read_full(&mut peek, &mut head).map_err(|e| err(e.to_string()))?;
    let chained = std::io::Cursor::new(head[..n].to_vec()).chain(peek);
    let mut reader: Box<dyn Read> = if n == 2 && head == [0x1f, 0x8b] {
        Box::new(flate2::read::GzDecoder::new(chained))
    } else {
        Box::new(chained)
    };
    parse_idx(&mut reader).map_err(err)
}

fn read_full(r: &mut (impl Read + ?Sized), buf: &mut [u8]) -> std::io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match r.read(&mut buf[n..])? {
            0 => break,
            k => n += k,
        }
    }
    Ok(n)
}

/// Parses IDX bytes from `r`; the error text says what is wrong.
pub fn parse_idx(r: &mut dyn Read) -> std::result::Result<Idx, String> {
    let mut magic = [0u8; 4];
    let got = read_full(r, &mut magic).map_err(|e| e.to_string())?;
    if got < 4 {
        return Err("file too short for the 4-byte IDX magic number".into());
    }
    if magic[0] != 0 || magic[1] != 0 {
        return Err(format!("bad magic number {magic:02x?}: not an IDX file"));
    }
    if magic[2] != 0x08 {
        return Err(format!(
            "IDX data type 0x{:02x} is not supported; expected 0x08 (unsigned byte)",
            magic[2]
        ));
    }
    let ndim = magic[3] as usize;
    if ndim == 0 {
        return Err("IDX file declares 0 dimensions".into());
    }
    let mut dims = Vec::with_capacity(ndim);
    let mut total: u64 = 1;
    for i in 0..ndim {
        let mut b = [0u8; 4];
        if read_full(r, &mut b).map_err(|e| e.to_string())? < 4 {
            return Err(format!(
                "file ends inside the header (dimension {i} of {ndim})"
            ));
        }
        let d = u32::from_be_bytes(b) as u64;
        total = total.saturating_mul(d);
        dims.push(d as usize);
    }
    if total > MAX_IDX_BYTES {
        return Err(format!(
            "dimensions {dims:?} claim {total} bytes, more than the limit of {MAX_IDX_BYTES}"
        ));
    }
    let mut data = Vec::with_capacity(total as usize);
    Read::take(&mut *r, total + 1)
        .read_to_end(&mut data)
        .map_err(|e| e.to_string())?;
    if data.len() as u64 != total {
        return Err(format!(
            "dimensions {dims:?} need {total} data bytes, found {}{}",
            if data.len() as u64 > total {
                "more than "
            } else {
                ""
            },
            data.len().min(total as usize)
        ));
    }
    Ok(Idx { dims, data })
}

/// Images and labels as a dataset; pixels are scaled to [0, 1].
pub fn idx_dataset(
    name: &str,
    images: &Path,
    labels: &Path,
    class_names: &[&str],
) -> Result<Dataset> {
    let (img, lab) = rayon::join(|| read_idx(images), || read_idx(labels));
    let (img, lab) = (img?, lab?);
    let bad = |path: &Path, msg: String| DataError::Idx {
        path: path.to_path_buf(),
        msg,
    };
    if img.dims.len() < 2 {
        return Err(bad(
            images,
            format!(
                "expected images [n, rows, cols], got dimensions {:?}",
                img.dims
            ),
        ));
    }
    if lab.dims.len() != 1 {
        return Err(bad(
            labels,
            format!("expected labels [n], got dimensions {:?}", lab.dims),
        ));
    }
    if img.dims[0] != lab.dims[0] {
        return Err(bad(
            labels,
            format!("{} labels for {} images", lab.dims[0], img.dims[0]),
        ));
    }
    if let Some(&l) = lab.data.iter().find(|&&l| l as usize >= class_names.len()) {
        return Err(bad(
            labels,
            format!("label {l} out of range for {} classes", class_names.len()),
        ));
    }
    // The header's dimensions multiply to at most MAX_IDX_BYTES when there is at least one
    // image; with none they are unchecked, so refuse that before using them.
    if img.dims[0] == 0 {
        return Err(bad(images, "the file holds no images".to_string()));
    }
    let width: usize = img.dims[1..]
        .iter()
        .try_fold(1usize, |a, &d| a.checked_mul(d))
        .ok_or_else(|| bad(images, format!("image dimensions {:?} overflow", img.dims)))?;
    let features = img.data.par_iter().map(|&p| p as f32 / 255.0).collect();
    let feature_names = (0..width).map(|i| format!("pixel{i}")).collect();
    Dataset::new(
        name,
        features,
        feature_names,
        Labels::Classes {
            ids: lab.data.iter().map(|&l| l as u32).collect(),
            names: class_names.iter().map(|s| s.to_string()).collect(),
        },
    )
}

/// Fashion-MNIST (train, test) from `dir` (default [`FASHION_MNIST_DIR`]); each file may be
/// gzip-compressed (`.gz`) or not.
pub fn fashion_mnist(dir: Option<&Path>) -> Result<(Dataset, Dataset)> {
    let dir = dir.map_or_else(|| PathBuf::from(FASHION_MNIST_DIR), Path::to_path_buf);
    if !dir.is_dir() {
        return Err(DataError::FashionMissing { dir });
    }
    let find = |stem: &str| -> Result<PathBuf> {
        for name in [format!("{stem}.gz"), stem.to_string()] {
            let p = dir.join(name);
            if p.is_file() {
                return Ok(p);
            }
        }
        Err(DataError::Io {
            path: dir.join(format!("{stem}.gz")),
            cause: std::io::Error::new(
                std::io::ErrorKind::NotFound,
                "Fashion-MNIST file not found (with or without .gz)",
            ),
        })
    };
    let paths = [
        find("train-images-idx3-ubyte")?,
        find("train-labels-idx1-ubyte")?,
        find("t10k-images-idx3-ubyte")?,
        find("t10k-labels-idx1-ubyte")?,
    ];
    // The four files are decompressed in parallel.
    let (train, test) = rayon::join(
        || idx_dataset("fashion-mnist", &paths[0], &paths[1], &FASHION_CLASSES),
        || idx_dataset("fashion-mnist", &paths[2], &paths[3], &FASHION_CLASSES),
    );
    Ok((train?, test?))
}
