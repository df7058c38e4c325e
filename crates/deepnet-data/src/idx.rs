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
    let mut reader = open_idx(path)?;
    parse_idx(&mut reader).map_err(|msg| idx_error(path, msg))
}

fn idx_error(path: &Path, msg: String) -> DataError {
    DataError::Idx {
        path: path.to_path_buf(),
        msg,
    }
}

/// The bytes of an IDX file, decompressed when its first bytes are gzip's.
fn open_idx(path: &Path) -> Result<Box<dyn Read>> {
    let file = std::fs::File::open(path).map_err(|cause| DataError::Io {
        path: path.to_path_buf(),
        cause,
    })?;
    let mut head = [0u8; 2];
    let mut peek = std::io::BufReader::new(file);
    let n = read_full(&mut peek, &mut head).map_err(|e| idx_error(path, e.to_string()))?;
    let chained = std::io::Cursor::new(head[..n].to_vec()).chain(peek);
    Ok(if n == 2 && head == [0x1f, 0x8b] {
        Box::new(flate2::read::GzDecoder::new(chained))
    } else {
        Box::new(chained)
    })
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
    let (dims, total) = parse_header(r)?;
    let mut data = Vec::with_capacity(total as usize);
    Read::take(&mut *r, total + 1)
        .read_to_end(&mut data)
        .map_err(|e| e.to_string())?;
    if data.len() as u64 != total {
        return Err(size_mismatch(&dims, total, data.len() as u64));
    }
    Ok(Idx { dims, data })
}

/// The error of a payload of `found` bytes where the header's `dims` need `total`.
fn size_mismatch(dims: &[usize], total: u64, found: u64) -> String {
    format!(
        "dimensions {dims:?} need {total} data bytes, found {}{}",
        if found > total { "more than " } else { "" },
        found.min(total)
    )
}

/// The header of an IDX file of unsigned bytes: its dimensions and the payload's size.
fn parse_header(r: &mut dyn Read) -> std::result::Result<(Vec<usize>, u64), String> {
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
    Ok((dims, total))
}

/// Some items of an IDX file (the images of an image file), read as a stream so that the others
/// are never held in memory.
pub struct IdxRows {
    /// The file's dimensions, outermost first (`dims[0]` items in the file).
    pub dims: Vec<usize>,
    /// The chosen items' bytes, in the order chosen.
    pub data: Vec<u8>,
}

/// Reads the items `choose` picks, in its order: `choose` gets the file's dimensions and returns
/// item indices (each at most once). Every byte of the file passes through `hasher`, so that
/// processes reading different parts of one file can still check that it is the same file.
pub fn read_idx_rows(
    path: &Path,
    hasher: &mut dyn std::hash::Hasher,
    choose: impl FnOnce(&[usize]) -> Result<Vec<usize>>,
) -> Result<IdxRows> {
    let err = |msg: String| idx_error(path, msg);
    let mut reader = Hashing {
        inner: open_idx(path)?,
        hasher,
    };
    let (dims, total) = parse_header(&mut reader).map_err(err)?;
    let n = dims[0];
    let item = match dims[1..].iter().try_fold(1usize, |a, &d| a.checked_mul(d)) {
        Some(item) if item > 0 || n == 0 => item,
        _ => {
            return Err(err(format!(
                "dimensions {dims:?} do not make items of bytes"
            )))
        }
    };
    let rows = choose(&dims)?;
    // slot[i]: where item i goes among the chosen ones (u32::MAX: not chosen).
    let mut slot = vec![u32::MAX; n];
    for (k, &r) in rows.iter().enumerate() {
        match slot.get_mut(r) {
            Some(s) if *s == u32::MAX => *s = k as u32,
            Some(_) => return Err(err(format!("item {r} is asked for twice"))),
            None => return Err(err(format!("item {r} of {n} does not exist"))),
        }
    }
    let mut data = vec![0u8; rows.len() * item];
    let mut buf = vec![0u8; item];
    for (i, &k) in slot.iter().enumerate() {
        let got = read_full(&mut reader, &mut buf).map_err(|e| err(e.to_string()))?;
        if got < item {
            return Err(err(size_mismatch(&dims, total, (i * item + got) as u64)));
        }
        if k != u32::MAX {
            let k = k as usize;
            data[k * item..(k + 1) * item].copy_from_slice(&buf);
        }
    }
    let mut extra = [0u8; 1];
    if read_full(&mut reader, &mut extra).map_err(|e| err(e.to_string()))? > 0 {
        return Err(err(size_mismatch(&dims, total, total + 1)));
    }
    Ok(IdxRows { dims, data })
}

/// A reader that feeds every byte it reads to a hasher.
struct Hashing<'a> {
    inner: Box<dyn Read>,
    hasher: &'a mut dyn std::hash::Hasher,
}

impl Read for Hashing<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.hasher.write(&buf[..n]);
        Ok(n)
    }
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
    let ids = check_labels(labels, &lab, class_names)?;
    let width = check_images(images, labels, &img.dims, ids.len())?;
    let features = img.data.par_iter().map(|&p| p as f32 / 255.0).collect();
    labelled(name, features, width, ids, class_names)
}

/// The rows of [`idx_dataset`] that `pick` chooses from all the labels, in its order, reading
/// only those images into memory (the image file is streamed through `hasher`).
pub fn idx_dataset_rows(
    name: &str,
    images: &Path,
    labels: &Path,
    class_names: &[&str],
    hasher: &mut dyn std::hash::Hasher,
    pick: impl FnOnce(&[u32]) -> Result<Vec<usize>>,
) -> Result<Dataset> {
    let lab = read_idx(labels)?;
    hasher.write(&lab.data);
    let ids = check_labels(labels, &lab, class_names)?;
    let mut rows = Vec::new();
    let mut width = 0;
    let img = read_idx_rows(images, hasher, |dims| {
        width = check_images(images, labels, dims, ids.len())?;
        rows = pick(&ids)?;
        Ok(rows.clone())
    })?;
    let features = img.data.iter().map(|&p| p as f32 / 255.0).collect();
    let ids = rows.iter().map(|&r| ids[r]).collect();
    labelled(name, features, width, ids, class_names)
}

/// The class ids of a labels file, checked to be one-dimensional and in range.
fn check_labels(path: &Path, lab: &Idx, class_names: &[&str]) -> Result<Vec<u32>> {
    if lab.dims.len() != 1 {
        return Err(idx_error(
            path,
            format!("expected labels [n], got dimensions {:?}", lab.dims),
        ));
    }
    if let Some(&l) = lab.data.iter().find(|&&l| l as usize >= class_names.len()) {
        return Err(idx_error(
            path,
            format!("label {l} out of range for {} classes", class_names.len()),
        ));
    }
    Ok(lab.data.iter().map(|&l| l as u32).collect())
}

/// Checks an image file's dimensions against `n_labels` labels; returns the pixels per image.
fn check_images(images: &Path, labels: &Path, dims: &[usize], n_labels: usize) -> Result<usize> {
    if dims.len() < 2 {
        return Err(idx_error(
            images,
            format!("expected images [n, rows, cols], got dimensions {dims:?}"),
        ));
    }
    if dims[0] != n_labels {
        return Err(idx_error(
            labels,
            format!("{n_labels} labels for {} images", dims[0]),
        ));
    }
    // The header's dimensions multiply to at most MAX_IDX_BYTES when there is at least one
    // image; with none they are unchecked, so refuse that before using them.
    if dims[0] == 0 {
        return Err(idx_error(images, "the file holds no images".to_string()));
    }
    dims[1..]
        .iter()
        .try_fold(1usize, |a, &d| a.checked_mul(d))
        .ok_or_else(|| idx_error(images, format!("image dimensions {dims:?} overflow")))
}

/// A dataset of `width`-pixel images with class labels.
fn labelled(
    name: &str,
    features: Vec<f32>,
    width: usize,
    ids: Vec<u32>,
    class_names: &[&str],
) -> Result<Dataset> {
    let feature_names = (0..width).map(|i| format!("pixel{i}")).collect();
    Dataset::new(
        name,
        features,
        feature_names,
        Labels::Classes {
            ids,
            names: class_names.iter().map(|s| s.to_string()).collect(),
        },
    )
}

/// Fashion-MNIST (train, test) from `dir` (default [`FASHION_MNIST_DIR`]); each file may be
/// gzip-compressed (`.gz`) or not.
pub fn fashion_mnist(dir: Option<&Path>) -> Result<(Dataset, Dataset)> {
    let paths = fashion_paths(dir)?;
    // The four files are decompressed in parallel.
    let (train, test) = rayon::join(
        || idx_dataset("fashion-mnist", &paths[0], &paths[1], &FASHION_CLASSES),
        || idx_dataset("fashion-mnist", &paths[2], &paths[3], &FASHION_CLASSES),
    );
    Ok((train?, test?))
}

/// [`fashion_mnist`] holding only the training rows `pick` chooses from the training labels
/// ([`idx_dataset_rows`]), and the test set when `with_test`.
pub fn fashion_mnist_rows(
    dir: Option<&Path>,
    with_test: bool,
    hasher: &mut dyn std::hash::Hasher,
    pick: impl FnOnce(&[u32]) -> Result<Vec<usize>>,
) -> Result<(Dataset, Option<Dataset>)> {
    let paths = fashion_paths(dir)?;
    let train = idx_dataset_rows(
        "fashion-mnist",
        &paths[0],
        &paths[1],
        &FASHION_CLASSES,
        hasher,
        pick,
    )?;
    let test = with_test
        .then(|| idx_dataset("fashion-mnist", &paths[2], &paths[3], &FASHION_CLASSES))
        .transpose()?;
    Ok((train, test))
}

/// The four Fashion-MNIST files in `dir`: train images and labels, test images and labels.
fn fashion_paths(dir: Option<&Path>) -> Result<[PathBuf; 4]> {
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
    Ok([
        find("train-images-idx3-ubyte")?,
        find("train-labels-idx1-ubyte")?,
        find("t10k-images-idx3-ubyte")?,
        find("t10k-labels-idx1-ubyte")?,
    ])
}
