//! Shared support code for integration tests. See `README.md` in this folder.

#![allow(dead_code)]

pub mod hub;
