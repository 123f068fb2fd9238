//! `tweetstream-emulator`: a local emulator of the X streaming API. See `--help`.

use clap::Parser;

fn main() -> std::process::ExitCode {
    let args = tweetstream_emulator::cli::Args::parse();
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("tweetstream-emulator: cannot start the runtime: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    match rt.block_on(tweetstream_emulator::cli::run(args)) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("tweetstream-emulator: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}
