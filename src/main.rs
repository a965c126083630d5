//! The `lede` command line.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use lede::build;
use lede::diagnostics::Failed;

/// A build makes millions of small allocations (template values, strings) from two threads;
/// mimalloc serves them faster than the system allocator and returns memory more tightly.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(name = "lede", version, about = "A static site generator for news explainers", long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Check the site, then render it into the output folder (replaced all at once)
    Build {
        /// The site folder: the one holding lede.toml, content/, templates/ and static/
        #[arg(long, default_value = ".")]
        root: PathBuf,
        /// Where to write the site; lede replaces this folder on every build, so it must be
        /// one lede created (or a new or empty one)
        #[arg(long, default_value = "public")]
        output: PathBuf,
        /// Where the site will be published (absolute http(s) URL, e.g.
        /// https://example.org/explainers/name/); overrides `base_url` in lede.toml and turns on
        /// canonical links, share cards, structured data, sitemap and feed
        #[arg(long)]
        base_url: Option<String>,
        /// Fail at once if another build is writing the same output folder, instead of
        /// waiting for it
        #[arg(long)]
        no_wait: bool,
    },
    /// Run every check (front matter, quotes, references, templates, links) without writing
    Check {
        /// The site folder: the one holding lede.toml, content/, templates/ and static/
        #[arg(long, default_value = ".")]
        root: PathBuf,
        /// Fail on warnings too (e.g. a comparison voice with no quotes)
        #[arg(long)]
        deny_warnings: bool,
        /// The published output to compare quotations and comparison cells against
        #[arg(long, default_value = "public")]
        output: PathBuf,
        /// As for `build`: overrides `base_url` in lede.toml
        #[arg(long)]
        base_url: Option<String>,
    },
    /// Build the site in memory, serve it, rebuild on every edit and reload open pages
    Serve {
        /// The site folder: the one holding lede.toml, content/, templates/ and static/
        #[arg(long, default_value = ".")]
        root: PathBuf,
        /// The port to listen on (default: 1111, or the next free one; 0: any free port)
        #[arg(long)]
        port: Option<u16>,
        /// The address to listen on; anything but a loopback address exposes the site
        #[arg(long, default_value = "127.0.0.1")]
        bind: std::net::IpAddr,
        /// Open the site in the default browser
        #[arg(long)]
        open: bool,
    },
    /// Create a new site in DIR from an article saved as text, with a draft page for each
    /// speaker the quotation finder proposes
    Init {
        /// The folder to create (it must be new or empty, unless --force)
        dir: PathBuf,
        /// The article as a UTF-8 text file; its first line is the headline
        #[arg(long)]
        source: PathBuf,
        /// The article's headline, instead of the file's first line (the whole file is then the body)
        #[arg(long)]
        title: Option<String>,
        /// Add the missing files to a non-empty folder (existing files are never overwritten)
        #[arg(long)]
        force: bool,
    },
    /// List the source page's quotations, the speaker proposed for each, and the pages that claim it
    Quotes {
        /// The site folder: the one holding lede.toml, content/, templates/ and static/
        #[arg(long, default_value = ".")]
        root: PathBuf,
    },
    /// Write a new figure, camp or glossary term page with every field its section asks for
    New {
        /// What kind of page
        kind: lede::new_page::Kind,
        /// The person's, camp's or term's name (the file name is made from it)
        name: String,
        /// The site folder: the one holding lede.toml, content/, templates/ and static/
        #[arg(long, default_value = ".")]
        root: PathBuf,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Build {
            root,
            output,
            base_url,
            no_wait,
        } => {
            let wait = if no_wait {
                lede::write::Wait::No
            } else {
                lede::write::Wait::Yes
            };
            run_build(&root, &output, base_url, wait)
        }
        Command::Check {
            root,
            deny_warnings,
            output,
            base_url,
        } => run_check(&root, deny_warnings, output, base_url),
        Command::Serve {
            root,
            port,
            bind,
            open,
        } => {
            let mut opts = lede::serve::Options::new(&root);
            opts.port = port;
            opts.bind = bind;
            lede::serve::run(&opts, open)
        }
        Command::Init {
            dir,
            source,
            title,
            force,
        } => run_init(lede::init::Options {
            dir,
            source,
            title,
            force,
        }),
        Command::Quotes { root } => run_quotes(&root),
        Command::New { kind, name, root } => lede::new_page::run(&root, kind, &name).map(|path| {
            println!(
                "Wrote {}: fill in its fields, then delete `draft = true`.",
                path.display()
            );
        }),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            match e.downcast_ref::<Failed>() {
                Some(failed) => eprintln!("{failed}"),
                None => eprintln!("error: {e:#}"),
            }
            ExitCode::FAILURE
        }
    }
}

fn run_build(
    root: &std::path::Path,
    output: &std::path::Path,
    base_url: Option<String>,
    wait: lede::write::Wait,
) -> anyhow::Result<()> {
    // A relative --output is relative to where the command runs, like every other CLI.
    let opts = build::Options {
        base_url,
        output: None,
    };
    let s = build::build(root, output, &opts, wait)?;
    for w in s.warnings.sorted() {
        eprintln!("{w}");
    }
    let index = std::path::absolute(output.join("index.html"))?;
    println!(
        "Built {} pages and copied {} files in {} ms. Open file://{}",
        s.pages,
        s.files,
        s.elapsed.as_millis(),
        index.display()
    );
    Ok(())
}

fn run_check(
    root: &std::path::Path,
    deny_warnings: bool,
    output: PathBuf,
    base_url: Option<String>,
) -> anyhow::Result<()> {
    let no_base =
        base_url.is_none() && lede::config::load(root).is_ok_and(|c| c.base_url.is_none());
    let opts = build::Options {
        base_url,
        output: Some(output),
    };
    let diags = build::check(root, &opts, deny_warnings)?;
    for w in diags.sorted() {
        eprintln!("{w}");
    }
    if no_base {
        println!(
            "note: no base_url in lede.toml, so the site stays a portable folder of relative links; \
             set base_url (or pass --base-url) to add canonical links, share cards and images, \
             structured data, sitemap.xml, robots.txt, the Atom feed and embed snippets"
        );
    }
    println!("No errors, {} warning(s).", diags.warnings());
    Ok(())
}

fn run_init(opts: lede::init::Options) -> anyhow::Result<()> {
    let out = lede::init::run(&opts)?;
    let dir = opts.dir.display();
    println!(
        "Created the site in {dir}: wrote {} file(s){}.",
        out.written.len(),
        if out.kept.is_empty() {
            String::new()
        } else {
            format!(
                ", kept {} that already existed: {}",
                out.kept.len(),
                out.kept.join(", ")
            )
        }
    );
    println!();
    print!("{}", out.report);
    println!();
    if out.findings.attributed() > 0 {
        println!(
            "Next: in {dir}/content/figures/, check each proposed speaker and their quotes, \
             then delete `draft = true`. Then: cd {dir} && lede build"
        );
    } else {
        println!("Next: cd {dir} && lede build");
    }
    Ok(())
}

fn run_quotes(root: &std::path::Path) -> anyhow::Result<()> {
    let found = lede::quotations::site::scan(root)?;
    for why in &found.skipped {
        eprintln!("warning: skipped {why}");
    }
    let shown = root.join(&found.source).display().to_string();
    let origin = lede::quotations::report::Origin {
        path: shown.trim_start_matches("./"),
        line_offset: found.line_offset,
    };
    print!(
        "{}",
        lede::quotations::report::render(
            &origin,
            &found.body,
            &found.findings,
            Some(&found.claims)
        )
    );
    Ok(())
}
