//! Files and directories only the service's user may open: the data dir, the database and
//! the private files hold DNIs, photos and signatures (Ley N° 29733). On unix, directories
//! are created `0700` and files `0600` from the start (never a moment readable by others),
//! and [`secure_existing`] tightens what an older version created more openly. Elsewhere
//! these are plain creations: the platform's own access lists apply.
//!
//! Must not depend on the rest of the crate.

use std::{io, path::Path};

/// Creates `dir` and its missing parents, private to the service's user.
pub fn create_dir_all(dir: &Path) -> io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir)
}

/// Options that create a file private to the service's user (for writing).
pub fn file_options() -> std::fs::OpenOptions {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options
}

/// Makes an existing directory (`0700`) or file (`0600`) private; a missing one is fine.
pub fn secure_existing(path: &Path) -> io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let meta = match std::fs::symlink_metadata(path) {
            Ok(meta) => meta,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
            Err(e) => return Err(e),
        };
        // A link is left alone: its target is not ours to change.
        if meta.file_type().is_symlink() {
            return Ok(());
        }
        let mode = if meta.is_dir() { 0o700 } else { 0o600 };
        if meta.permissions().mode() & 0o777 != mode {
            std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))?;
        }
    }
    #[cfg(not(unix))]
    let _ = path;
    Ok(())
}

/// The data dir as `serve` and the other commands use it: created private when missing,
/// made private when an older version left it readable by others, with its `files`
/// directory. Files under it need no walk: a `0700` directory keeps everyone else out.
pub fn prepare_data_dir(data_dir: &Path) -> io::Result<()> {
    create_dir_all(data_dir)?;
    secure_existing(data_dir)?;
    secure_existing(&data_dir.join("files"))
}

#[cfg(all(test, unix))]
mod tests {
    #![allow(clippy::unwrap_used)]
    use std::os::unix::fs::PermissionsExt;

    use super::*;

    fn mode(path: &Path) -> u32 {
        std::fs::metadata(path).unwrap().permissions().mode() & 0o777
    }

    #[test]
    fn new_directories_and_files_are_private_and_old_ones_are_made_so() {
        let root = tempfile::tempdir().unwrap();
        let data = root.path().join("datos");
        prepare_data_dir(&data).unwrap();
        assert_eq!(mode(&data), 0o700);
        let nested = data.join("files").join("ab");
        create_dir_all(&nested).unwrap();
        assert_eq!(mode(&data.join("files")), 0o700);
        assert_eq!(mode(&nested), 0o700);
        let file = nested.join("cdef");
        std::io::Write::write_all(&mut file_options().open(&file).unwrap(), b"x").unwrap();
        assert_eq!(mode(&file), 0o600);

        std::fs::set_permissions(&data, std::fs::Permissions::from_mode(0o755)).unwrap();
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).unwrap();
        prepare_data_dir(&data).unwrap();
        secure_existing(&file).unwrap();
        assert_eq!(mode(&data), 0o700);
        assert_eq!(mode(&file), 0o600);
        secure_existing(&root.path().join("no-existe")).unwrap();
    }
}
