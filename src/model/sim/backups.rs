//! Reactions to backups (B1–B6, S2): a snapshot or a log backup lands in the store, closes a
//! tooth of the data-loss window, starts its trip to the paired region, counts towards the bill
//! and the retention ledger; pruning follows wherever backups change.

use super::event::{Event, SnapshotEvent, VaultEvent};
use super::Sim;
use crate::engine::DAY;
use crate::model::backups::{Attempt, LogBackup, Snapshot, SnapshotKind};

impl Sim<'_, '_> {
    pub(super) fn on_snapshot_event(&mut self, event: SnapshotEvent) {
        let active = self.active();
        let kind = match event {
            SnapshotEvent::Daily => {
                // Unsafe moments older than every retained snapshot can no longer matter.
                let oldest = self.store.snapshots().next().map_or(self.now, |s| s.time);
                while self.unsafe_moments.front().is_some_and(|&u| u < oldest) {
                    self.unsafe_moments.pop_front();
                }
                if self.server.deleted_at().is_none() {
                    self.queue
                        .schedule(self.now + DAY, Event::Snapshot(SnapshotEvent::Daily));
                }
                let availability = self.server.availability(self.region_down());
                self.snapshots.daily(availability)
            }
            SnapshotEvent::Retry => self.snapshots.retry(active),
            SnapshotEvent::Extra => self.snapshots.extra(active),
            SnapshotEvent::CatchUp => self.snapshots.catch_up(self.now, active),
            SnapshotEvent::OnDemand => {
                let availability = self.server.availability(self.region_down());
                match self.snapshots.on_demand(availability) {
                    Some(reason) => self.record("on-demand-refused", || reason),
                    None => self.take_snapshot(SnapshotKind::OnDemand),
                }
                None
            }
        };
        if let Some(kind) = kind {
            self.attempt_snapshot(kind);
        }
    }

    fn attempt_snapshot(&mut self, kind: SnapshotKind) {
        let load = self.load.multiplier_at(self.now);
        let long_txn = self.load.long_transaction_open();
        match self.snapshots.attempt(self.now, kind, load, long_txn) {
            Attempt::Succeeded => self.take_snapshot(kind),
            Attempt::Failed {
                retry_at,
                blocked_by_long_txn,
                load,
                failure_prob,
            } => {
                if let Some(at) = retry_at {
                    self.queue
                        .schedule(at, Event::Snapshot(SnapshotEvent::Retry));
                }
                self.record("snapshot-failed", || {
                    if blocked_by_long_txn {
                        format!(
                            "{}: a long transaction holds the global lock",
                            kind.as_str()
                        )
                    } else {
                        format!(
                            "{}: failed at load x{load:.2} (failure chance {:.1}%)",
                            kind.as_str(),
                            failure_prob * 100.0
                        )
                    }
                });
            }
        }
    }

    pub(super) fn take_snapshot(&mut self, kind: SnapshotKind) {
        let now = self.now;
        let full_gb = self.cfg.server.db_size_at(now);
        let first = self.store.latest_snapshot().is_none();
        let incremental_gb = if first {
            full_gb
        } else {
            (self.snapshots.since_snapshot_gb() * self.cfg.backup.snapshot_change_ratio)
                .min(full_gb)
        };
        if !first {
            self.billing.wrote_snapshot(now, incremental_gb);
        }
        self.ledger.record(now, incremental_gb, Some(full_gb));
        self.rpo.snapshot_taken();
        self.store.add_snapshot(Snapshot {
            time: now,
            full_gb,
            incremental_gb,
            kind,
            binlog_mark: self.load.written_gb(),
        });
        self.snapshots.taken(now, kind);
        if self
            .vault
            .snapshot_taken(now, full_gb, self.load.written_gb())
        {
            self.record("vault-copy", || {
                format!("{full_gb:.1} GB copied to the long-term vault (preview, paused by the service)")
            });
            self.queue_vault_lapse();
        }
        self.rpo.close(now, self.load.written_gb());
        self.replicate();
        // Pruning runs where backups change (here and at every log tick), never at unrelated
        // events, so that adding incidents to a scenario cannot move its storage figures.
        self.prune();
        self.record("snapshot", || {
            format!(
                "{}: full {full_gb:.1} GB, incremental {incremental_gb:.2} GB",
                kind.as_str()
            )
        });
    }

    /// An export is due, or one's keeping time is up.
    pub(super) fn on_vault_event(&mut self, event: VaultEvent) {
        match event {
            VaultEvent::Export => {
                let gb = self.cfg.server.db_size_at(self.now);
                match self.vault.export(self.now, gb, self.active()) {
                    Some(expires) => {
                        if expires < self.cfg.horizon {
                            self.queue
                                .schedule(expires, Event::Vault(VaultEvent::ExportExpired));
                        }
                        self.record("export", || {
                            format!("{gb:.1} GB exported to your storage account (preview)")
                        });
                    }
                    None => self.record("export-refused", || {
                        "the server takes no backups now (stopped, deleted or region down)".into()
                    }),
                }
            }
            VaultEvent::ExportExpired => self.vault.expire_exports(self.now),
            VaultEvent::CopiesAgeOut => {
                self.vault.expire(self.now);
                self.queue_vault_lapse();
            }
        }
    }

    /// Vault copies age out on time even when no snapshot comes (a stopped or deleted server).
    fn queue_vault_lapse(&mut self) {
        if let Some(at) = self.vault.lapse_to_queue() {
            if at < self.cfg.horizon {
                self.queue
                    .schedule(at, Event::Vault(VaultEvent::CopiesAgeOut));
            }
        }
    }

    /// A log backup falls due (B2).
    pub(super) fn log_tick(&mut self) {
        self.events += 1;
        if self.active() {
            match self.logs.due() {
                Some(gb) => self.store_log(gb),
                None => {
                    let pending = self.logs.pending_gb();
                    self.record("log-backup-failed", || {
                        format!("{pending:.3} GB waits for the next log backup")
                    });
                }
            }
            // B4: a fast-growing binlog earns an extra snapshot.
            if self.snapshots.queue_extra() {
                self.queue
                    .schedule(self.now, Event::Snapshot(SnapshotEvent::Extra));
            }
        }
        self.prune();
    }

    /// Upload the binlog written since the last log backup, whatever the failure chance (a
    /// clean stop flushes it this way).
    pub(super) fn flush_log(&mut self) {
        let gb = self.logs.upload();
        self.store_log(gb);
    }

    fn store_log(&mut self, gb: f64) {
        self.ledger.record(self.now, gb, None);
        self.store.add_log(LogBackup {
            time: self.now,
            gb,
            binlog_mark: self.load.written_gb(),
        });
        self.billing.wrote_log(self.now, gb);
        self.rpo.close(self.now, self.load.written_gb());
        self.replicate();
    }

    /// A new backup (up to now) starts its trip to the paired region.
    fn replicate(&mut self) {
        if self.server.geo_redundant() {
            let mark = self.load.written_gb();
            self.geo.send(self.now, self.now, mark);
        }
    }

    pub(super) fn prune(&mut self) {
        // B7: a stopped server keeps every backup it had until it is started again; a deleted
        // one keeps them for its restore window.
        if self.server.running() {
            let expired = &mut self.expired;
            let retention = self.retention;
            self.store
                .prune(self.now, retention.keep_for(), retention.window(), |s| {
                    expired.push(s.time)
                });
        }
        if !self.expired.is_empty() {
            let expired = std::mem::take(&mut self.expired);
            for t in &expired {
                self.record("snapshot-expired", || format!("snapshot taken at t={t}s"));
            }
            self.expired = expired;
            self.expired.clear();
        }
        let used = self.storage_gb();
        self.billing.note_level(used);
    }
}
