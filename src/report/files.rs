use std::fs::{self, File};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use crate::error::Error;

/// An output folder whose files appear only when complete: each is written under a hidden
/// `.NAME.partial` name and renamed into place. The folder's marker file (summary.json for a
/// run, sweep.json for a sweep) is removed first and written last, so a folder with its marker
/// holds one whole, consistent result.
#[derive(Debug, Clone)]
pub struct OutputDir {
    path: PathBuf,
}

impl OutputDir {
    pub fn create(path: &Path, marker: &str) -> Result<Self, Error> {
        fs::create_dir_all(path)
            .map_err(|e| Error::io(format!("cannot create output folder {}", path.display()), e))?;
        let dir = Self {
            path: path.to_path_buf(),
        };
        let old = dir.path.join(marker);
        if old.exists() {
            fs::remove_file(&old)
                .map_err(|e| Error::io(format!("cannot remove {}", old.display()), e))?;
        }
        Ok(dir)
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    fn partial(&self, name: &str) -> PathBuf {
        self.path.join(format!(".{name}.partial"))
    }

    pub fn write(&self, name: &str, bytes: &[u8]) -> Result<(), Error> {
        let tmp = self.partial(name);
        fs::write(&tmp, bytes)
            .map_err(|e| Error::io(format!("cannot write {}", tmp.display()), e))?;
        self.commit(name)
    }

    /// A file written bit by bit (the event log); `commit` puts it in place.
    pub fn stream(&self, name: &str) -> Result<BufWriter<File>, Error> {
        let tmp = self.partial(name);
        File::create(&tmp)
            .map(BufWriter::new)
            .map_err(|e| Error::io(format!("cannot create {}", tmp.display()), e))
    }

    pub fn commit(&self, name: &str) -> Result<(), Error> {
        let tmp = self.partial(name);
        let dest = self.path.join(name);
        fs::rename(&tmp, &dest)
            .map_err(|e| Error::io(format!("cannot move {} into place", dest.display()), e))
    }

    pub fn finish_stream(&self, name: &str, mut writer: BufWriter<File>) -> Result<(), Error> {
        writer
            .flush()
            .and_then(|_| writer.get_ref().sync_all())
            .map_err(|e| Error::io(format!("cannot write {name}"), e))?;
        drop(writer);
        self.commit(name)
    }
}
