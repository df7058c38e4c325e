//! The usage blocks of `docs/cli.md` are the commands' own `--help`: every block that follows a
//! `<!-- deepnet ARGS -->` line must equal what `deepnet ARGS` prints, and every command has one.
//! `DEEPNET_BLESS=1 cargo test -p deepnet-cli --test docs` rewrites the blocks from the binary.

mod common;

use common::{deepnet, root};

/// The page's blocks: (arguments, start and end byte of the block's text).
fn blocks(page: &str) -> Vec<(Vec<String>, usize, usize)> {
    let mut out = Vec::new();
    let mut at = 0;
    while let Some(i) = page[at..].find("<!-- deepnet") {
        let start = at + i;
        let end = start + page[start..].find("-->").expect("an unclosed marker");
        let args: Vec<String> = page[start + "<!-- deepnet".len()..end]
            .split_whitespace()
            .map(String::from)
            .collect();
        let fence = end
            + page[end..]
                .find("```text\n")
                .expect("a ```text block after the marker");
        let text_start = fence + "```text\n".len();
        let text_end = text_start + page[text_start..].find("```\n").expect("a closed block");
        out.push((args, text_start, text_end));
        at = text_end;
    }
    out
}

#[test]
fn every_usage_block_is_the_commands_help() {
    let path = root().join("docs/cli.md");
    let mut page = std::fs::read_to_string(&path).unwrap();
    let found = blocks(&page);
    let mut documented: Vec<String> = found
        .iter()
        .filter(|(args, ..)| args.len() == 2)
        .map(|(args, ..)| args[0].clone())
        .collect();
    documented.sort();
    let help = String::from_utf8(deepnet(&["--help"]).stdout).unwrap();
    let mut commands: Vec<String> = help
        .split("Commands:")
        .nth(1)
        .unwrap()
        .split("Options:")
        .next()
        .unwrap()
        .lines()
        .filter_map(|l| l.split_whitespace().next().map(String::from))
        .filter(|c| c != "help")
        .collect();
    commands.sort();
    assert_eq!(
        documented, commands,
        "docs/cli.md must show every command's --help"
    );

    let bless = std::env::var_os("DEEPNET_BLESS").is_some();
    // From the last block back, so that rewriting one leaves the others' offsets valid.
    for (args, start, end) in found.into_iter().rev() {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let o = deepnet(&args);
        assert!(o.status.success(), "deepnet {args:?}");
        let actual = String::from_utf8(o.stdout).unwrap();
        if bless {
            page.replace_range(start..end, &actual);
        } else {
            assert_eq!(
                page[start..end],
                actual,
                "docs/cli.md: the block of `deepnet {}` differs from the binary's; rewrite it with DEEPNET_BLESS=1 cargo test -p deepnet-cli --test docs",
                args.join(" ")
            );
        }
    }
    if bless {
        std::fs::write(&path, page).unwrap();
    }
}
