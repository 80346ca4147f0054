//! Attachments through the real binary, the `echo` wasm flavor and its
//! stand-in: files uploaded with their media types and bytes intact, the
//! caps per file and per message, the request cap growing by the call's
//! attachments only, a note instead of a failure where the alerter cannot
//! attach, and `run --attach-on-failure`.

use std::path::{Path, PathBuf};

use alerter_tests::echo::EchoService;
use alerter_tests::png;

mod echo_common;
use echo_common::setup;

fn write(dir: &Path, name: &str, data: &[u8]) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, data).unwrap();
    path
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

#[test]
fn attached_files_arrive_with_their_names_media_types_and_bytes() {
    let svc = EchoService::start();
    let a = setup(&svc, &[]);
    let dir = tempfile::tempdir().unwrap();
    let chart = png::line_chart(160, 90, &[2.3, 1.7, 1.2, 0.9, 0.7, 0.6, 0.55]);
    let log: Vec<u8> = (0..20_000).flat_map(|i| format!("step {i} loss 0.{i}\n").into_bytes()).collect();
    let png_path = write(dir.path(), "loss.png", &chart);
    let log_path = write(dir.path(), "train.log", &log);
    let run = a.run(&["post", "Training finished", "--attach", s(&png_path), "--attach", s(&log_path), "--json"]).ok();
    let v: serde_json::Value = serde_json::from_str(run.stdout.trim()).unwrap();
    assert_eq!(v["not_attached"], serde_json::json!([]));
    let files = svc.files();
    assert_eq!(files.len(), 2);
    assert_eq!((files[0].name.as_str(), files[0].media_type.as_str()), ("loss.png", "image/png"));
    assert_eq!(files[0].data, chart, "the PNG arrives byte for byte");
    assert_eq!(&files[0].data[..8], b"\x89PNG\r\n\x1a\n");
    assert_eq!((files[1].name.as_str(), files[1].media_type.as_str()), ("train.log", "text/plain"));
    assert_eq!(files[1].data, log);
    let m = &svc.messages()[0];
    assert_eq!(m.files, ["F1", "F2"], "the message names both uploads");
    assert_eq!(m.text, "Training finished");
}

#[test]
fn caps_per_file_and_per_message_are_named_and_nothing_is_posted() {
    let svc = EchoService::start();
    let a = setup(&svc, &[]);
    let dir = tempfile::tempdir().unwrap();
    let big = write(dir.path(), "big.bin", &vec![7u8; (10 << 20) + 1]);
    let run = a.run(&["post", "x", "--attach", s(&big)]).expect_code(2);
    assert_eq!(
        run.stderr,
        "error: attachment big.bin is 10.0 MiB (10485761 bytes), over the cap of 10.0 MiB per file; \
         attach a smaller file (compress it, or attach the end of a log)\n"
    );
    let parts: Vec<PathBuf> = (0..3).map(|i| write(dir.path(), &format!("part{i}.bin"), &vec![1u8; 9 << 20])).collect();
    let run = a
        .run(&["post", "x", "--attach", s(&parts[0]), "--attach", s(&parts[1]), "--attach", s(&parts[2])])
        .expect_code(2);
    assert!(
        run.stderr.starts_with("error: 3 attachments are 27.0 MiB together, over the cap of 25.0 MiB per message;"),
        "{}",
        run.stderr
    );
    let run = a.run(&["post", "x", "--attach", "/no/such/file.png"]).expect_code(2);
    assert!(run.stderr.starts_with("error: cannot read /no/such/file.png: "), "{}", run.stderr);
    assert!(svc.seen().is_empty(), "nothing sent");
}

/// The request body cap (1 MiB) grows by the bytes of the call's
/// attachments, so a 9 MiB file goes through while a JSON body over 1 MiB
/// is still refused.
#[test]
fn the_request_cap_grows_by_the_attachments_only() {
    let svc = EchoService::start();
    let a = setup(&svc, &[]);
    let dir = tempfile::tempdir().unwrap();
    let nine = write(dir.path(), "weights.bin", &vec![3u8; 9 << 20]);
    a.run(&["post", "weights", "--attach", s(&nine)]).ok();
    assert_eq!(svc.files()[0].data.len(), 9 << 20);

    let long = "y".repeat((1 << 20) + 10);
    let run = a.run_with_stdin(&["post", "-"], long.as_bytes()).expect_code(3);
    assert!(run.stderr.contains("too large: request body of"), "{}", run.stderr);
    assert!(run.stderr.contains("is over the 1048576 byte cap"), "{}", run.stderr);
    assert_eq!(svc.seen_op("post_message").len(), 1, "the long one was never sent");
}

#[test]
fn an_alerter_that_cannot_attach_posts_with_a_note_instead() {
    let svc = EchoService::start();
    let a = setup(&svc, &["features=reactions,update"]);
    let dir = tempfile::tempdir().unwrap();
    let p = write(dir.path(), "a.png", &png::line_chart(20, 10, &[1.0, 0.5]));
    let l = write(dir.path(), "b.log", b"log\n");
    let run = a.run(&["post", "Nightly failed", "--attach", s(&p), "--attach", s(&l), "--json"]).ok();
    assert!(svc.seen_op("upload_file").is_empty(), "no upload tried");
    assert_eq!(
        svc.messages()[0].text,
        "Nightly failed\n\n(not attached: a.png, b.log — this alerter cannot attach files)"
    );
    let v: serde_json::Value = serde_json::from_str(run.stdout.trim()).unwrap();
    assert_eq!(v["not_attached"], serde_json::json!(["a.png", "b.log"]));
    assert_eq!(run.stderr, "note: \"e\" cannot attach files; posted with a note instead of a.png, b.log\n");
}

#[test]
fn run_attaches_files_when_the_command_failed_and_names_the_missing_ones() {
    let svc = EchoService::start();
    let a = setup(&svc, &[]);
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("job.log");
    let script = format!("echo 'epoch 3: nan loss' > {}; exit 3", log.display());
    let missing = dir.path().join("plot.png");
    let run = a
        .run(&["run", "--attach-on-failure", s(&log), "--attach-on-failure", s(&missing), "--", "sh", "-c", &script])
        .expect_code(3);
    assert!(
        run.stderr.contains(&format!("alerter: not attaching {}: cannot read", missing.display())),
        "{}",
        run.stderr
    );
    let files = svc.files();
    assert_eq!(files.len(), 1);
    assert_eq!((files[0].name.as_str(), files[0].data.as_slice()), ("job.log", b"epoch 3: nan loss\n".as_slice()));
    let alert = &svc.messages()[0];
    assert_eq!(alert.files, ["F1"]);
    assert!(alert.text.ends_with("\n\n(not attached: plot.png (cannot be read))"), "{}", alert.text);

    // On success nothing is attached, even when the alert is sent.
    a.run(&["run", "--on", "always", "--attach-on-failure", s(&log), "--", "true"]).ok();
    assert_eq!(svc.files().len(), 1);
    assert!(svc.messages()[1].files.is_empty());
}
