//! lede: a static site generator for news explainers.
//!
//! The pipeline, one module per stage (see ARCHITECTURE.md):
//! [`load`] → [`frontmatter`] / [`site`] → [`validate`] ([`quotes`]) → [`annotate`] →
//! [`markdown`] / [`model`] / [`render`] → [`links`] → [`write`], run by [`build`].
//!
//! Beside the pipeline, never run by a build: [`init`] (a new site from an article),
//! [`quotations`] (the quotation finder), [`new_page`] (`lede new`).

pub mod annotate;
pub mod base_url;
pub mod build;
pub mod config;
pub mod default_theme;
pub mod deps;
pub mod diagnostics;
pub mod emit;
pub mod frontmatter;

pub mod init;
pub mod labels;
pub mod links;
pub mod load;
pub mod markdown;
pub mod model;
pub mod new_page;
pub mod quotations;
pub mod quotes;
pub mod render;
pub mod serve;
pub mod site;
pub mod slug;
pub mod theme;
pub mod updates;
pub mod validate;
pub mod watch;
pub mod write;
