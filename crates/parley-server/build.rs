//! Makes sure the web asset folders exist before the embedding macros look at them: debug
//! builds read the files from disk at run time, but only from folders that existed when the
//! binary was compiled, so a `make web` after a `cargo build` would otherwise need a
//! rebuild of this crate before the dashboard and widget show.
fn main() {
    for dir in [
        "../../web/dashboard/dist",
        "../../web/widget/dist",
        "../../web/widget/demo",
    ] {
        let _ = std::fs::create_dir_all(dir);
    }
    println!("cargo::rerun-if-changed=build.rs");
}
