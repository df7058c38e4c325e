//! deepnet-data: datasets for deepnet.
#![warn(missing_docs)]
