//! The compile cache's seal: a cached artifact is loaded without hashing it
//! again only while its file is the very file the cache wrote or last
//! checked in full. A hostile edit in place that puts the file's size and
//! times back is still caught (the change time cannot be put back); a copy
//! is checked in full once and sealed again.

use std::fs::{self, FileTimes, OpenOptions};
use std::io::{Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use alerter::{CompileSource, EgressPolicy, Limits, Message, Net, Origin, Runtime, SecretSet};

fn cache_file(dir: &Path, ext: &str) -> PathBuf {
    let mut found = alerter_tests::files_ending(dir, &format!(".{ext}"));
    assert_eq!(found.len(), 1, "one .{ext} file in {}: {found:?}", dir.display());
    found.remove(0)
}

/// Loads the `stateful` fixture with a runtime caching in `dir`, and calls
/// it once: how it was loaded, and what the call answered.
async fn load_and_call(dir: &Path) -> (CompileSource, String) {
    let rt = Runtime::new(Some(dir.to_path_buf()), Limits::default()).unwrap();
    let bytes = fs::read(alerter_test_artifacts::STATEFUL).unwrap();
    let (flavor, how) = rt.load(&bytes, "stateful").await.unwrap();
    let none: Vec<Origin> = Vec::new();
    let net =
        Arc::new(Net::new(EgressPolicy::new("t", none.clone(), none), SecretSet::new(), Limits::default()).unwrap());
    let answer = flavor.send(&net, &[], &Message::text("1")).await.unwrap().reference;
    (how, answer)
}

#[tokio::test(flavor = "current_thread")]
async fn an_edit_in_place_with_size_and_times_put_back_is_still_caught() {
    let home = tempfile::tempdir().unwrap();
    let dir = home.path().join("cache");
    let (how, fresh) = load_and_call(&dir).await;
    assert_eq!(how, CompileSource::Compiled);
    assert_eq!(load_and_call(&dir).await, (CompileSource::Cached, fresh.clone()), "sealed and loaded back");

    // The attack: flip bytes in the middle of the machine code, in place
    // (same inode, same size), then put the access and modification times
    // back as they were.
    let artifact = cache_file(&dir, "cwasm");
    let before = fs::metadata(&artifact).unwrap();
    let mut bytes = fs::read(&artifact).unwrap();
    let at = bytes.len() / 2;
    let mut f = OpenOptions::new().write(true).open(&artifact).unwrap();
    f.seek(SeekFrom::Start(at as u64)).unwrap();
    for b in &mut bytes[at..at + 64] {
        *b ^= 0x5a;
    }
    f.write_all(&bytes[at..at + 64]).unwrap();
    f.set_times(FileTimes::new().set_accessed(before.accessed().unwrap()).set_modified(before.modified().unwrap()))
        .unwrap();
    drop(f);
    let after = fs::metadata(&artifact).unwrap();
    assert_eq!((after.len(), after.modified().unwrap()), (before.len(), before.modified().unwrap()));

    let (how, answer) = load_and_call(&dir).await;
    assert_eq!(how, CompileSource::Compiled, "the edited artifact must be refused and recompiled");
    assert_eq!(answer, fresh);
    assert_ne!(fs::read(&artifact).unwrap(), bytes, "the edited artifact was replaced");
    assert_eq!(load_and_call(&dir).await.0, CompileSource::Cached);
}

#[tokio::test(flavor = "current_thread")]
async fn a_copied_cache_is_checked_in_full_once_then_sealed_again() {
    let home = tempfile::tempdir().unwrap();
    let dir = home.path().join("cache");
    let (_, fresh) = load_and_call(&dir).await;

    // A copy (a restored backup, a copied home): new inodes, new times.
    let copy_home = tempfile::tempdir().unwrap();
    let copy = copy_home.path().join("cache");
    fs::create_dir(&copy).unwrap();
    for ext in ["cwasm", "meta"] {
        let from = cache_file(&dir, ext);
        fs::copy(&from, copy.join(from.file_name().unwrap())).unwrap();
    }
    fs::copy(home.path().join("cache.key"), copy_home.path().join("cache.key")).unwrap();
    let meta = cache_file(&copy, "meta");
    let copied_meta = fs::read(&meta).unwrap();

    assert_eq!(load_and_call(&copy).await, (CompileSource::Cached, fresh.clone()), "the copy checks out in full");
    let resealed = fs::read(&meta).unwrap();
    assert_ne!(resealed, copied_meta, "sealed afresh for the copy's own file");
    assert_eq!(resealed.len(), copied_meta.len());
    assert_eq!(load_and_call(&copy).await, (CompileSource::Cached, fresh.clone()));
    assert_eq!(fs::read(&meta).unwrap(), resealed, "a sealed file needs no new seal");

    // The copy's seal is worthless for the original (another inode), and
    // the original's own seal still holds.
    let original_meta = cache_file(&dir, "meta");
    let original = fs::read(&original_meta).unwrap();
    assert_eq!(load_and_call(&dir).await.0, CompileSource::Cached);
    assert_eq!(fs::read(&original_meta).unwrap(), original);

    // A seal moved onto a file it was not made for does not hold: the
    // copy's `.meta` over the original's artifact is checked in full (and
    // passes, same bytes), then sealed for the original's file again.
    fs::write(&original_meta, &resealed).unwrap();
    assert_eq!(load_and_call(&dir).await.0, CompileSource::Cached);
    assert_eq!(fs::read(&original_meta).unwrap(), original, "the same seal as the cache first wrote");
}
