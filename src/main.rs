fn main() {
    std::process::exit(backsim::cli::main());
}
