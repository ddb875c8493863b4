//! Reactions to the server's lifecycle and load (B5, B7, D2, R5): stops, starts, deletions,
//! the move to geo, writes pausing and resuming, bursts and long transactions.

use super::event::{Event, LoadEvent, SnapshotEvent, TroubleEvent};
use super::Sim;
use crate::model::arrivals::Arrival;
use crate::model::config::{Retention, ServerAction};
use crate::model::restore::DELETED_SERVER_RESTORE_WINDOW;
use crate::model::server::ServerState;

/// Said of load that arrives while the server takes no writes.
const IDLE: &str = ", while the server takes no writes";

impl Sim<'_, '_> {
    pub(super) fn on_load_event(&mut self, event: LoadEvent) {
        match event {
            LoadEvent::BurstStart => {
                self.load.burst_started();
                let end = self.now + self.cfg.workload.burst_duration;
                self.queue.schedule(end, Event::Load(LoadEvent::BurstEnd));
                self.schedule_next(Arrival::Burst);
                let m = self.cfg.workload.burst_multiplier;
                // A stopped server (or one in a downed region) writes nothing: the burst only
                // counts for whatever of it outlasts that.
                let idle = if self.active() { "" } else { IDLE };
                self.record("burst-start", || format!("write load x{m}{idle}"));
            }
            LoadEvent::BurstEnd => {
                self.load.burst_ended();
                self.record("burst-end", String::new);
            }
            LoadEvent::LongTxnStart => {
                self.schedule_next(Arrival::LongTransaction);
                // A session opens it: a stopped or deleted server, or one whose region is
                // down, has none.
                if !self.active() {
                    return;
                }
                let generation = self.load.long_transaction_started();
                let end = self.now + self.cfg.workload.long_txn_duration;
                self.queue
                    .schedule(end, Event::Load(LoadEvent::LongTxnEnd { generation }));
                self.record("long-transaction-start", String::new);
            }
            LoadEvent::LongTxnEnd { generation } => {
                if self.load.long_transaction_ended(generation) {
                    self.record("long-transaction-end", String::new);
                }
            }
        }
    }

    pub(super) fn server_action(&mut self, action: ServerAction) {
        match (self.server.state(), action) {
            (ServerState::Running, ServerAction::Stop) => {
                // A clean stop flushes the binlog: nothing written before it is at risk. (With
                // the region down there is nothing new to flush, and nowhere to flush it.)
                if self.active() {
                    self.flush_log();
                }
                self.geo.pause(self.now);
                self.writes_stop();
                self.server.stop();
                self.record("server-stopped", || {
                    "no backups and no free allowance until started".into()
                });
            }
            (ServerState::Stopped, ServerAction::Start) => {
                self.server.start();
                match self.region_back_for_a_start {
                    None if !self.region_down() => {
                        self.resume_writes();
                        self.record("server-started", String::new);
                    }
                    // O1: a server cannot come up in a region that is down; it is down, as
                    // wanted, until the region returns (writes resume then).
                    Some(back_at) => {
                        self.recoveries
                            .add_downtime(self.now, back_at as f64, self.cfg.horizon);
                        self.record("server-started", || {
                            "its region is down: it comes up when the region returns".into()
                        });
                    }
                    // Stopped during an outage that found it running: its recovery counts.
                    None => self.record("server-started", String::new),
                }
            }
            (ServerState::Running | ServerState::Stopped, ServerAction::EnableGeo) => {
                // D2: local → geo. What is already retained starts replicating now.
                self.server.enable_geo();
                self.billing
                    .set_copies(self.server.redundancy().storage_factor());
                let writing = self.active();
                let (point, mark) = (self.rpo.latest_point(), self.rpo.latest_mark());
                self.geo.enable(self.now, point, mark, writing);
                self.record("geo-enabled", || {
                    "backup storage is now geo-redundant (counted twice)".into()
                });
            }
            (ServerState::Running | ServerState::Stopped, ServerAction::Delete) => {
                if self.active() {
                    self.rpo.close(self.now, self.load.written_gb());
                }
                self.geo.pause(self.now);
                self.writes_stop();
                self.server.delete(self.now);
                self.queue.schedule(
                    self.now + DELETED_SERVER_RESTORE_WINDOW,
                    Event::Trouble(TroubleEvent::PurgeDeleted),
                );
                self.record("server-deleted", || {
                    "backups kept 5 days for a restore, then purged".into()
                });
            }
            (ServerState::Running | ServerState::Stopped, ServerAction::SetRetention { days }) => {
                let before = self.retention.0;
                self.retention = Retention(days);
                // The prune below lets a shorter retention's surplus go now (a stopped server
                // keeps everything until it is started, as with any prune).
                self.record("retention-changed", || {
                    format!("backup retention {before} → {days} days")
                });
            }
            // Validation rejects impossible sequences; a no-op here keeps the model total.
            _ => {}
        }
        self.prune();
    }

    /// Writes stop (a stop, a deletion, a regional outage): the server's sessions end with
    /// them, rolling back any long transaction (B5: what a restart cures).
    pub(super) fn writes_stop(&mut self) {
        self.server.stop_writes(self.now);
        if self.load.roll_back_long_transactions() > 0 {
            self.record("long-transaction-end", || {
                "rolled back: the server's sessions ended".into()
            });
        }
    }

    /// Writes resume after a stop or a regional outage: nothing was written meanwhile, so the
    /// data-loss windows restart at zero, and a missed daily snapshot is caught up.
    pub(super) fn resume_writes(&mut self) {
        let oldest_point = self.store.oldest_snapshot_time().unwrap_or(self.now);
        self.snapshots
            .writes_resumed(self.now, self.server.writes_stopped_at());
        self.server.resume_writes(self.now, oldest_point);
        let mark = self.load.written_gb();
        self.rpo.resume(self.now, mark);
        if self.server.geo_redundant() {
            self.geo.resume(self.now, mark);
        }
        if self.snapshots.catch_up_needed() {
            self.queue
                .schedule(self.now, Event::Snapshot(SnapshotEvent::CatchUp));
        }
    }
}
