//! Generates include/zmq.h from the Rust sources with cbindgen, and gives the shared library
//! libzmq's SONAME.

use std::env;
use std::path::PathBuf;

fn main() {
    let dir = PathBuf::from(env::var("CARGO_MANIFEST_DIR").unwrap());
    println!("cargo:rerun-if-changed=src");
    println!("cargo:rerun-if-changed=cbindgen.toml");
    println!("cargo:rerun-if-changed=build.rs");
    // Programs linked against libzmq record "libzmq.so.5"; so must we.
    println!("cargo:rustc-cdylib-link-arg=-Wl,-soname,libzmq.so.5");

    let config = cbindgen::Config::from_file(dir.join("cbindgen.toml")).expect("cbindgen.toml");
    // Only the C API module is the header: internal constants elsewhere stay out of it.
    let bindings = cbindgen::Builder::new()
        .with_src(dir.join("src/capi/mod.rs"))
        .with_config(config)
        .generate()
        .expect("cbindgen could not generate zmq.h");
    // Writes only when the text changed, so the header's mtime is stable.
    bindings.write_to_file(dir.join("include/zmq.h"));
}
