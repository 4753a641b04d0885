//! Shared support code for integration tests. See `README.md` in this folder.

#![allow(dead_code)]

pub mod http;
pub mod hub;
