//! `backsim import`: both shapes of a server description, region and SKU names, the list output
//! as a fleet inventory, and every malformed input refused with exit 2 and its field named.

mod common;

use common::backsim;
use serde_json::{json, Value};

/// The REST API's GET body.
fn rest() -> Value {
    json!({
        "id": "/subscriptions/0000/resourceGroups/rg/providers/Microsoft.DBforMySQL/flexibleServers/prod-mysql-01",
        "name": "prod-mysql-01",
        "type": "Microsoft.DBforMySQL/flexibleServers",
        "location": "Southeast Asia",
        "sku": { "name": "Standard_D4ds_v4", "tier": "GeneralPurpose" },
        "properties": {
            "version": "8.0.21",
            "state": "Ready",
            "storage": { "storageSizeGB": 512, "iops": 1536, "autoGrow": "Enabled" },
            "backup": {
                "backupRetentionDays": 14,
                "geoRedundantBackup": "Enabled",
                "backupIntervalHours": 24,
                "earliestRestoreDate": "2026-01-01T00:00:00+00:00"
            },
            "highAvailability": { "mode": "Disabled", "state": "NotEnabled" }
        }
    })
}

/// `az mysql flexible-server show`: the same settings at the top level, `storageSizeGb`.
fn show(name: &str, sku: &str, location: &str) -> Value {
    json!({
        "name": name,
        "location": location,
        "resourceGroup": "rg",
        "sku": { "name": sku, "tier": "Burstable" },
        "version": "5.7",
        "storage": { "storageSizeGb": 32, "autoGrow": "Disabled", "iops": 396 },
        "backup": { "backupRetentionDays": 7, "geoRedundantBackup": "Disabled", "backupIntervalHours": 24 },
        "highAvailability": { "mode": "Disabled" }
    })
}

/// A stopped server is described as running by the scenario: import says so, with the event
/// that models it stopped; a running one gets no such note.
#[test]
fn a_stopped_server_is_noted_with_the_event_that_models_it() {
    let mut doc = rest();
    doc["properties"]["state"] = json!("Stopped");
    let (code, stdout, stderr, _) = import(&doc, "s.toml");
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stdout.contains("note: properties.state is \"Stopped\"")
            && stdout.contains("action = \"stop\""),
        "{stdout}"
    );
    let (_, running, _, _) = import(&rest(), "r.toml");
    assert!(!running.contains("properties.state"), "{running}");
    // A state the service does not report is read as running, and said to be.
    doc["properties"]["state"] = json!("Exploded");
    let (code, odd, stderr, _) = import(&doc, "o.toml");
    assert_eq!(code, 0, "{stderr}");
    assert!(
        odd.contains("note: properties.state is \"Exploded\", not a state backsim knows"),
        "{odd}"
    );
}

/// Import `doc` and return (exit code, stdout, stderr, the file written if any).
fn import(doc: &Value, out_name: &str) -> (i32, String, String, Option<String>) {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("server.json");
    std::fs::write(&input, serde_json::to_string_pretty(doc).unwrap()).unwrap();
    let out = dir.path().join(out_name);
    let run = backsim()
        .arg("import")
        .arg(&input)
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    (
        run.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&run.stdout).into_owned(),
        String::from_utf8_lossy(&run.stderr).into_owned(),
        std::fs::read_to_string(&out).ok(),
    )
}

fn scenario(text: &str) -> backsim::scenario::Scenario {
    backsim::scenario::parse(text, backsim::error::Origin::Argument("t".into()), &[])
        .expect("the imported scenario is valid")
}

/// The line that sets `key` inside `[table]`.
fn line<'t>(text: &'t str, key: &str) -> &'t str {
    text.lines()
        .find(|l| l.starts_with(&format!("{key} =")))
        .unwrap_or_else(|| panic!("{key} not written:\n{text}"))
}

#[test]
fn the_rest_body_becomes_a_scenario_whose_every_key_names_its_source() {
    let (code, stdout, stderr, text) = import(&rest(), "s.toml");
    assert_eq!(code, 0, "{stderr}");
    let text = text.unwrap();
    let s = scenario(&text);
    assert_eq!(s.name, "prod-mysql-01");
    assert_eq!(s.config.server.vcores, 4);
    assert_eq!(s.config.server.region, "southeastasia");
    assert_eq!(s.config.server.provisioned_storage_gb, 512.0);
    assert_eq!(s.config.server.mysql_version.as_str(), "8.0");
    assert_eq!(s.config.backup.retention_days, 14);
    assert_eq!(s.config.backup.redundancy.as_str(), "geo");
    assert_eq!(s.config.server.ha.as_str(), "none");
    for l in text
        .lines()
        .filter(|l| !l.starts_with('#') && l.contains(" = "))
    {
        assert!(l.contains("  # "), "no source comment: {l}");
    }
    assert!(line(&text, "provisioned_storage_gb").ends_with("# properties.storage.storageSizeGB"));
    assert!(line(&text, "vcores").ends_with("# sku.name \"Standard_D4ds_v4\""));
    assert!(line(&text, "region").ends_with("# location \"Southeast Asia\""));
    assert!(line(&text, "redundancy").contains("properties.backup.geoRedundantBackup \"Enabled\""));
    assert!(line(&text, "db_size_gb").contains("# default: assumption"));
    assert!(line(&text, "binlog_gb_per_day").contains("# default: assumption"));
    assert!(stdout.contains("backsim calibrate"), "{stdout}");
    // The documented default retention, when the server does not give one, says so.
    let mut without = rest();
    without["properties"]["backup"]
        .as_object_mut()
        .unwrap()
        .remove("backupRetentionDays")
        .expect("the fixture names backupRetentionDays");
    let (code, _, stderr, text) = import(&without, "t.toml");
    assert_eq!(code, 0, "{stderr}");
    assert!(
        line(&text.unwrap(), "retention_days").contains("# default: documented"),
        "{stderr}"
    );
}

#[test]
fn the_show_output_gives_the_same_settings_with_its_own_field_names() {
    let (code, _, stderr, text) = import(&show("small-one", "Standard_B1ms", "eastus"), "s.toml");
    assert_eq!(code, 0, "{stderr}");
    let text = text.unwrap();
    let s = scenario(&text);
    assert_eq!(s.config.server.vcores, 1);
    assert_eq!(s.config.server.region, "eastus");
    assert_eq!(s.config.server.provisioned_storage_gb, 32.0);
    assert_eq!(s.config.server.mysql_version.as_str(), "5.7");
    assert_eq!(s.config.backup.redundancy.as_str(), "local");
    // 32 GB cannot hold the default 100 GB database: the assumption halves the storage.
    assert_eq!(s.config.server.db_size_gb, 16.0);
    assert!(line(&text, "provisioned_storage_gb").ends_with("# storage.storageSizeGb"));
    assert!(line(&text, "retention_days").ends_with("# backup.backupRetentionDays"));
}

#[test]
fn display_names_and_names_of_regions_are_normalised() {
    for (location, region) in [
        ("East US", "eastus"),
        ("eastus", "eastus"),
        ("West Europe", "westeurope"),
        ("Southeast Asia", "southeastasia"),
    ] {
        let (code, _, stderr, text) = import(&show("s", "Standard_D2ds_v4", location), "s.toml");
        assert_eq!(code, 0, "{stderr}");
        assert_eq!(scenario(&text.unwrap()).config.server.region, region);
    }
}

#[test]
fn zone_redundant_ha_without_geo_keeps_zone_redundant_backups() {
    let mut doc = rest();
    doc["properties"]["highAvailability"]["mode"] = json!("ZoneRedundant");
    doc["properties"]["backup"]["geoRedundantBackup"] = json!("Disabled");
    let (code, _, stderr, text) = import(&doc, "s.toml");
    assert_eq!(code, 0, "{stderr}");
    let s = scenario(&text.unwrap());
    assert_eq!(s.config.server.ha.as_str(), "zone-redundant");
    assert_eq!(s.config.backup.redundancy.as_str(), "zone");
}

#[test]
fn the_list_output_becomes_a_fleet_inventory() {
    let mut big = rest();
    big["name"] = json!("big-one");
    big["sku"]["name"] = json!("Standard_E16ds_v5");
    let list = json!([show("small-one", "Standard_B1ms", "East US"), big]);
    let (code, stdout, stderr, csv) = import(&list, "fleet.csv");
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(
        csv.unwrap(),
        "name,count,region,provisioned_storage_gb,db_size_gb,binlog_gb_per_day,vcores,retention_days,redundancy,ha,mysql_version\n\
         small-one,1,eastus,32,,,1,7,local,none,5.7\n\
         big-one,1,southeastasia,512,,,16,14,geo,none,8.0\n"
    );
    assert!(stdout.contains("2 servers"), "{stdout}");
    assert!(stdout.contains("db_size_gb"), "{stdout}");
    // The REST list body (`value`) reads the same way.
    let (code, _, _, csv) = import(&json!({ "value": [rest()] }), "fleet.csv");
    assert_eq!(code, 0);
    assert!(csv
        .unwrap()
        .ends_with("prod-mysql-01,1,southeastasia,512,,,4,14,geo,none,8.0\n"));
}

/// A server listed twice is refused where it is listed again: the inventory written would name
/// two groups alike, which `fleet` then refuses.
#[test]
fn a_server_listed_twice_is_refused() {
    let (code, _, stderr, csv) = import(&json!({ "value": [rest(), rest()] }), "fleet.csv");
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("key `value[1].name`: \"prod-mysql-01\" is listed already (value[0])"),
        "{stderr}"
    );
    assert!(csv.is_none());
}

#[test]
fn the_default_output_goes_to_the_current_directory_and_is_never_replaced() {
    let dir = tempfile::tempdir().unwrap();
    let downloads = dir.path().join("downloads");
    std::fs::create_dir(&downloads).unwrap();
    let input = downloads.join("prod.json");
    std::fs::write(&input, rest().to_string()).unwrap();
    let first = backsim()
        .current_dir(dir.path())
        .arg("import")
        .arg(&input)
        .assert()
        .success();
    let said = String::from_utf8_lossy(&first.get_output().stdout).into_owned();
    assert!(
        said.starts_with("wrote prod.toml (in the current directory"),
        "{said}"
    );
    assert!(dir.path().join("prod.toml").exists());
    assert!(!downloads.join("prod.toml").exists());
    let again = backsim()
        .current_dir(dir.path())
        .arg("import")
        .arg(&input)
        .output()
        .unwrap();
    assert_eq!(again.status.code(), Some(2));
    let err = String::from_utf8_lossy(&again.stderr);
    assert!(err.contains("prod.toml already exists"), "{err}");
    assert!(err.contains("--force"), "{err}");
    let onto_input = common::writing_to("import", &input, &input, true);
    assert_eq!(onto_input.status.code(), Some(2));
    assert!(input.exists());
}

/// The walk-through appends measured restores to the imported scenario: a second import onto it
/// must not lose them unless asked to.
#[test]
fn an_existing_out_file_is_replaced_only_with_force() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("server.json");
    std::fs::write(&input, rest().to_string()).unwrap();
    let out = dir.path().join("prod.toml");
    let import = |force: bool| common::writing_to("import", &input, &out, force);
    assert!(import(false).status.success());
    let edited = std::fs::read_to_string(&out).unwrap() + "\n[[restore.measured]]\n";
    std::fs::write(&out, &edited).unwrap();
    let refused = import(false);
    assert_eq!(refused.status.code(), Some(2));
    let err = String::from_utf8_lossy(&refused.stderr);
    assert!(
        err.contains("prod.toml already exists") && err.contains("add --force to replace it"),
        "{err}"
    );
    assert_eq!(std::fs::read_to_string(&out).unwrap(), edited);
    assert!(import(true).status.success());
    assert!(!std::fs::read_to_string(&out)
        .unwrap()
        .contains("[[restore.measured]]"));
}

/// Even with --force, an --out that is a pipe or a link is refused: the new file is renamed
/// into place, which replaced the pipe, or the link itself, with a plain file (as root, a
/// device such as /dev/full too). The same for calibrate, which replaces a plain file
/// without --force.
#[cfg(unix)]
#[test]
fn an_out_that_is_not_a_plain_file_is_never_replaced() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("server.json");
    std::fs::write(&input, rest().to_string()).unwrap();
    let pipe = dir.path().join("pipe.toml");
    assert!(std::process::Command::new("mkfifo")
        .arg(&pipe)
        .status()
        .unwrap()
        .success());
    let target = dir.path().join("target.toml");
    std::fs::write(&target, "# mine\n").unwrap();
    let link = dir.path().join("link.toml");
    std::os::unix::fs::symlink(&target, &link).unwrap();
    let scenario = dir.path().join("s.toml");
    std::fs::write(&scenario, "name = \"s\"\n[[restore.measured]]\ndatabase_gb = 100.0\nbinlog_gb = 6.0\ntarget = \"latest\"\nminutes = 42.0\n").unwrap();
    for (out, says) in [(&pipe, "is a device, pipe or socket"), (&link, "is a link")] {
        for command in [
            vec!["import", input.to_str().unwrap(), "--force"],
            vec!["calibrate", scenario.to_str().unwrap(), "--force"],
        ] {
            let run = backsim()
                .args(&command)
                .arg("--out")
                .arg(out)
                .output()
                .unwrap();
            let err = String::from_utf8_lossy(&run.stderr);
            assert_eq!(run.status.code(), Some(2), "{command:?}: {err}");
            assert!(
                err.contains(says) && err.contains("not a plain file"),
                "{err}"
            );
            let kind = std::fs::symlink_metadata(out).unwrap().file_type();
            assert!(!kind.is_file(), "{command:?} replaced {}", out.display());
        }
    }
    assert_eq!(std::fs::read_to_string(&target).unwrap(), "# mine\n");
    // `-`, standard input elsewhere, wrote a file named "-".
    for command in [
        vec!["import", input.to_str().unwrap()],
        vec!["calibrate", scenario.to_str().unwrap()],
    ] {
        let run = backsim()
            .current_dir(dir.path())
            .args(&command)
            .args(["--out", "-"])
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&run.stderr);
        assert_eq!(run.status.code(), Some(2), "{command:?}: {err}");
        assert!(err.contains("- is not a file name here"), "{err}");
        assert!(!dir.path().join("-").exists());
    }
}

/// A name with a quote, a line break or a backslash is refused for what it is, naming the
/// field: written into the TOML unescaped it broke the file ("unexpected key or value", no
/// key named), or read back as another name (`orders\u0041x` as `ordersAx`).
#[test]
fn a_name_no_scenario_can_have_is_refused_for_what_it_is() {
    for name in ["a\"b", "a\nb", "orders\\u0041x"] {
        let mut doc = rest();
        doc["name"] = json!(name);
        let (code, _, err, written) = import(&doc, "out.toml");
        assert_eq!(code, 2, "{name:?}: {err}");
        assert!(
            err.contains("key `name`") && err.contains("names the output folder"),
            "{name:?}: {err}"
        );
        assert!(written.is_none());
    }
}

/// A list becomes CSV and one server TOML: an --out named for the other kind is refused.
#[test]
fn an_out_file_of_the_wrong_kind_is_refused() {
    let list = json!([show("small-one", "Standard_B1ms", "East US"), rest()]);
    let (code, _, stderr, written) = import(&list, "list.toml");
    assert_eq!(code, 2);
    assert!(
        stderr.contains("list.toml") && stderr.contains("--out fleet.csv"),
        "{stderr}"
    );
    assert!(written.is_none());
    let (code, _, stderr, written) = import(&rest(), "prod.CSV");
    assert_eq!(code, 2);
    assert!(
        stderr.contains("one server") && stderr.contains("--out prod-mysql-01.toml"),
        "{stderr}"
    );
    assert!(written.is_none());
}

/// Every malformed description exits 2 and its message names the field at fault.
#[test]
fn every_malformed_input_exits_2_naming_the_field() {
    type Change = fn(&mut Value);
    let cases: Vec<(&str, Change, &[&str])> = vec![
        (
            "no name",
            |d| {
                d.as_object_mut().unwrap().remove("name");
            },
            &["`name`", "missing"],
        ),
        (
            "no sku",
            |d| {
                d.as_object_mut().unwrap().remove("sku");
            },
            &["`sku.name`", "missing"],
        ),
        (
            "unknown sku",
            |d| d["sku"]["name"] = json!("Standard_Q9zz_v9"),
            &["`sku.name`", "Standard_Q9zz_v9"],
        ),
        (
            "sku not text",
            |d| d["sku"]["name"] = json!(4),
            &["`sku.name`", "must be text"],
        ),
        (
            "no location",
            |d| {
                d.as_object_mut().unwrap().remove("location");
            },
            &["`location`", "missing"],
        ),
        (
            "unknown region",
            |d| d["location"] = json!("Southeast Asai"),
            &["`location`", "did you mean \"southeastasia\""],
        ),
        (
            "storage too small",
            |d| d["properties"]["storage"]["storageSizeGB"] = json!(5),
            &["`properties.storage.storageSizeGB`", "20 to 16384"],
        ),
        (
            "storage as text",
            |d| d["properties"]["storage"]["storageSizeGB"] = json!("512"),
            &["`properties.storage.storageSizeGB`"],
        ),
        (
            "retention",
            |d| d["properties"]["backup"]["backupRetentionDays"] = json!(40),
            &["`properties.backup.backupRetentionDays`", "1 to 35"],
        ),
        (
            "geo",
            |d| d["properties"]["backup"]["geoRedundantBackup"] = json!("Sometimes"),
            &[
                "`properties.backup.geoRedundantBackup`",
                "\"Enabled\" or \"Disabled\"",
            ],
        ),
        (
            "ha",
            |d| d["properties"]["highAvailability"]["mode"] = json!("Triple"),
            &["`properties.highAvailability.mode`", "ZoneRedundant"],
        ),
        (
            "version",
            |d| d["properties"]["version"] = json!("5.6"),
            &["`properties.version`", "5.7 or 8.x"],
        ),
        (
            "interval",
            |d| d["properties"]["backup"]["backupIntervalHours"] = json!(-3),
            &["`properties.backup.backupIntervalHours`"],
        ),
        (
            "geo where no pair",
            |d| d["location"] = json!("Israel Central"),
            &[
                "`properties.backup.geoRedundantBackup`",
                "geo-redundant backups are copied to the server's paired region, and \"israelcentral\" has none",
            ],
        ),
        // A field on the way that is there but is no object was read as absent: a scenario
        // of defaults, each "absent", with exit 0.
        (
            "properties not an object",
            |d| d["properties"] = json!(-1),
            &["`properties`", "must be an object", "-1"],
        ),
        (
            "storage not an object",
            |d| d["properties"]["storage"] = json!("abc"),
            &["`properties.storage`", "must be an object holding storageSizeGB"],
        ),
        (
            "backup as a list",
            |d| d["properties"]["backup"] = json!([7]),
            &["`properties.backup`", "must be an object holding backupRetentionDays"],
        ),
    ];
    for (what, change, expected) in cases {
        let mut doc = rest();
        change(&mut doc);
        let (code, _, stderr, written) = import(&doc, "s.toml");
        assert_eq!(code, 2, "{what}: {stderr}");
        assert!(written.is_none(), "{what}: nothing is written");
        for e in expected {
            assert!(stderr.contains(e), "{what}: expected {e} in: {stderr}");
        }
    }
    // In a list, the element is named too.
    let mut bad = show("b", "Standard_B1ms", "eastus");
    bad["sku"]["name"] = json!("Basic_1");
    let (code, _, stderr, _) = import(&json!([show("a", "Standard_B1ms", "eastus"), bad]), "f.csv");
    assert_eq!(code, 2);
    assert!(stderr.contains("`[1].sku.name`"), "{stderr}");
    let (code, _, stderr, _) = import(&json!([]), "f.csv");
    assert_eq!(code, 2);
    assert!(stderr.contains("no servers"), "{stderr}");
    // A list response whose `value` is no list is a damaged list, not a server without a name.
    for value in [json!(5), json!({"name": "a"}), Value::Null] {
        let (code, _, stderr, _) = import(&json!({ "value": value }), "f.csv");
        assert_eq!(code, 2);
        assert!(
            stderr.contains("`value`: must be a list of server descriptions"),
            "{value}: {stderr}"
        );
    }
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("broken.json");
    std::fs::write(&input, "{ \"name\": ").unwrap();
    let run = backsim().arg("import").arg(&input).output().unwrap();
    assert_eq!(run.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&run.stderr).contains("not valid JSON"));
    // A key given twice was read as its last value.
    let twice = serde_json::to_string_pretty(&rest()).unwrap().replacen(
        "\"name\": ",
        "\"name\": \"x\",\n  \"name\": ",
        1,
    );
    std::fs::write(&input, twice).unwrap();
    let run = backsim().arg("import").arg(&input).output().unwrap();
    assert_eq!(run.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(stderr.contains("\"name\" is given twice"), "{stderr}");
}

/// An inventory larger than `fleet` reads (1 MiB: 17,000 servers with long names) is written
/// as described, and the note says at once that it must be split, where before `fleet` refused
/// it only when run; the usual list has no such note.
#[test]
fn an_inventory_too_large_for_fleet_is_said_to_be() {
    let servers: Vec<Value> = (0..17_000)
        .map(|i| {
            show(
                &format!("prod-mysql-orders-eastus-{i:05}"),
                "Standard_B1ms",
                "East US",
            )
        })
        .collect();
    let (code, stdout, stderr, csv) = import(&Value::Array(servers), "org.csv");
    assert_eq!(code, 0, "{stderr}");
    assert!(csv.unwrap().len() > 1 << 20);
    assert!(
        stdout.contains("KiB, more than the 1024 KiB `backsim fleet` reads: split it"),
        "{stdout}"
    );
    let two = vec![
        show("a", "Standard_B1ms", "East US"),
        show("b", "Standard_B1ms", "East US"),
    ];
    let (code, stdout, _, csv) = import(&Value::Array(two), "two.csv");
    assert_eq!(code, 0);
    assert!(csv.is_some());
    assert!(!stdout.contains("`backsim fleet` reads"), "{stdout}");
}

/// A list of 200,000 servers took a gigabyte (each server's scenario held until the inventory
/// was written, the whole list as JSON values before that), for an inventory `fleet` refuses.
/// A list longer than the most rows that inventory could hold is refused before either, with
/// the limit; the REST response's `value` is counted the same way.
#[test]
fn a_list_of_more_servers_than_an_inventory_holds_is_refused_at_once() {
    let limit = backsim::calibrate::import::MAX_LISTED;
    assert_eq!(limit, 80_659, "1 MiB over rows of 13 bytes at the shortest");
    let servers: Vec<Value> = (0..=limit)
        .map(|i| show(&format!("s{i}"), "Standard_B1ms", "East US"))
        .collect();
    let (code, _, stderr, csv) = import(&Value::Array(servers.clone()), "org.csv");
    assert_eq!(code, 2, "{stderr}");
    assert!(csv.is_none());
    assert!(
        stderr
            .contains("server.json: lists 80660 servers; at most 80659 fit the 1024 KiB inventory"),
        "{stderr}"
    );
    let (code, _, stderr, _) = import(&json!({ "value": servers }), "org.csv");
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("key `value`: lists 80660 servers"),
        "{stderr}"
    );
}
