//! lede: a static site generator for news explainers.
//!
//! The pipeline, one module per stage (see ARCHITECTURE.md):
//! [`load`] → [`frontmatter`] / [`site`] → [`validate`] ([`quotes`]) → [`annotate`] →
//! [`markdown`] / [`model`] / [`render`] → [`links`] → [`write`], run by [`build`].

pub mod annotate;
pub mod build;
pub mod config;
pub mod diagnostics;
pub mod frontmatter;
pub mod http;
pub mod links;
pub mod load;
pub mod markdown;
pub mod model;
pub mod quotes;
pub mod render;
pub mod serve;
pub mod site;
pub mod validate;
pub mod watch;
pub mod write;
