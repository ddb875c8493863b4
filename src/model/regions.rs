//! Region pairs for geo-redundant backups (R4). A geo-restore goes to the paired region by
//! default, or to any other region ("universal geo-restore") except a few that take no
//! non-paired restores.

/// (region, its pair). Some pairs are one-way: the pair of West US 3 is East US, whose own pair
/// is West US.
const PAIRS: &[(&str, &str)] = &[
    ("eastus", "westus"),
    ("westus", "eastus"),
    ("eastus2", "centralus"),
    ("centralus", "eastus2"),
    ("northcentralus", "southcentralus"),
    ("southcentralus", "northcentralus"),
    ("westus2", "westcentralus"),
    ("westcentralus", "westus2"),
    ("westus3", "eastus"),
    ("canadacentral", "canadaeast"),
    ("canadaeast", "canadacentral"),
    ("brazilsouth", "southcentralus"),
    ("northeurope", "westeurope"),
    ("westeurope", "northeurope"),
    ("uksouth", "ukwest"),
    ("ukwest", "uksouth"),
    ("francecentral", "francesouth"),
    ("francesouth", "francecentral"),
    ("germanywestcentral", "germanynorth"),
    ("germanynorth", "germanywestcentral"),
    ("switzerlandnorth", "switzerlandwest"),
    ("switzerlandwest", "switzerlandnorth"),
    ("norwayeast", "norwaywest"),
    ("norwaywest", "norwayeast"),
    ("swedencentral", "swedensouth"),
    ("swedensouth", "swedencentral"),
    ("eastasia", "southeastasia"),
    ("southeastasia", "eastasia"),
    ("japaneast", "japanwest"),
    ("japanwest", "japaneast"),
    ("koreacentral", "koreasouth"),
    ("koreasouth", "koreacentral"),
    ("australiaeast", "australiasoutheast"),
    ("australiasoutheast", "australiaeast"),
    ("centralindia", "southindia"),
    ("southindia", "centralindia"),
    ("uaenorth", "uaecentral"),
    ("uaecentral", "uaenorth"),
    ("southafricanorth", "southafricawest"),
    ("southafricawest", "southafricanorth"),
    ("usgovvirginia", "usgovtexas"),
    ("usgovtexas", "usgovvirginia"),
];

/// Regions with no paired region: a server there can keep local or zone-redundant backups and
/// be a universal geo-restore target, but cannot have geo-redundant backups of its own.
const UNPAIRED: &[&str] = &[
    "australiacentral",
    "australiacentral2",
    "brazilsoutheast",
    "israelcentral",
    "italynorth",
    "jioindiawest",
    "mexicocentral",
    "newzealandnorth",
    "polandcentral",
    "qatarcentral",
    "spaincentral",
    "westindia",
];

/// Regions that cannot be the target of a geo-restore to a non-paired region.
pub const NO_UNIVERSAL_GEO_RESTORE: &[&str] = &["brazilsouth", "usgovvirginia", "westus3"];

/// Regions outside the public cloud (the US Government cloud's): exports, a preview, are not
/// offered there.
pub fn sovereign_cloud(region: &str) -> Option<&'static str> {
    region
        .starts_with("usgov")
        .then_some("the US Government cloud")
}

/// "East US" → "eastus": names are compared without spaces or case.
pub fn normalise(region: &str) -> String {
    region
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .flat_map(char::to_lowercase)
        .collect()
}

pub fn paired_region(region: &str) -> Option<&'static str> {
    let key = normalise(region);
    PAIRS.iter().find(|(r, _)| *r == key).map(|(_, p)| *p)
}

pub fn known_regions() -> impl Iterator<Item = &'static str> {
    PAIRS
        .iter()
        .map(|(r, _)| *r)
        .chain(UNPAIRED.iter().copied())
}

/// The region's canonical name ("East US" → "eastus"), or why it is not one: an unknown name
/// comes back with the closest known names, so a typo is caught and mended at once.
pub fn known_region(name: &str) -> Result<&'static str, String> {
    let key = normalise(name);
    if let Some(found) = known_regions().find(|r| *r == key) {
        return Ok(found);
    }
    let mut scored: Vec<(f64, &str)> = known_regions()
        .map(|r| (strsim::jaro_winkler(&key, r), r))
        .collect();
    scored.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(b.1)));
    let close: Vec<String> = scored
        .iter()
        .take(3)
        .filter(|(score, _)| *score > 0.7)
        .map(|(_, r)| format!("\"{r}\""))
        .collect();
    Err(if close.is_empty() {
        format!(
            "\"{name}\" is not a region backsim knows; use a name such as \"eastus\" or \"westeurope\""
        )
    } else {
        format!(
            "\"{name}\" is not a region backsim knows; did you mean {}?",
            close.join(" or ")
        )
    })
}

/// Where a geo-restore of a server in `home` may go: its pair, or (universal geo-restore) any
/// other region but the excluded ones.
pub fn geo_restore_target(home: &str, wanted: Option<&str>) -> Result<String, String> {
    let pair = paired_region(home);
    let wanted = wanted.map(known_region).transpose()?.map(str::to_string);
    match wanted {
        None => pair
            .map(str::to_string)
            .ok_or_else(|| format!("no paired region is known for \"{home}\"; name a target in restore.geo_restore_region")),
        Some(target) if target == normalise(home) => {
            Err("a geo-restore goes to another region, not the server's own".to_string())
        }
        Some(target) if Some(target.as_str()) == pair => Ok(target),
        Some(target) if NO_UNIVERSAL_GEO_RESTORE.contains(&target.as_str()) => Err(format!(
            "\"{target}\" is not the paired region of \"{home}\"{}, and universal geo-restore \
             (into any other region) excludes Brazil South, USGov Virginia and West US 3",
            pair.map_or(String::new(), |p| format!(" (\"{p}\" is)"))
        )),
        Some(target) => Ok(target),
    }
}

/// The backups a server geo-restored into `target` can keep (R4).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GeoRestoredBackups {
    /// Geo-redundant, copied to the target's own pair.
    Geo,
    /// Local: the target has no pair to copy them to.
    LocalNoPair,
    /// Local: the target's pair is the primary, which is down, so storage cannot be
    /// provisioned there until it returns.
    LocalPairDown { pair: &'static str },
}

/// Which backups a server geo-restored from `primary` into `target` can keep, `primary_down`
/// or not: only the target's own pair decides.
pub fn geo_restored_backups(primary: &str, target: &str, primary_down: bool) -> GeoRestoredBackups {
    match paired_region(target) {
        None => GeoRestoredBackups::LocalNoPair,
        Some(pair) if primary_down && normalise(pair) == normalise(primary) => {
            GeoRestoredBackups::LocalPairDown { pair }
        }
        Some(_) => GeoRestoredBackups::Geo,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// R4: a geo-restored server keeps geo-redundant backups unless its target has no pair, or
    /// the target's pair is the primary and the primary is down (a one-way pair counts the
    /// target's own: West US 3 restores into East US, whose pair West US is up).
    #[test]
    fn r4_geo_restored_backups_follow_the_targets_own_pair() {
        use GeoRestoredBackups::*;
        assert_eq!(
            geo_restored_backups("eastus", "westus", true),
            LocalPairDown { pair: "eastus" }
        );
        assert_eq!(geo_restored_backups("eastus", "westus", false), Geo);
        assert_eq!(geo_restored_backups("eastus", "westeurope", true), Geo);
        assert_eq!(
            geo_restored_backups("eastus", "italynorth", true),
            LocalNoPair
        );
        assert_eq!(
            geo_restored_backups("eastus", "italynorth", false),
            LocalNoPair
        );
        assert_eq!(geo_restored_backups("westus3", "eastus", true), Geo);
    }

    /// R4: paired by default; universal geo-restore anywhere but the three excluded regions.
    #[test]
    fn r4_geo_restore_targets() {
        assert_eq!(geo_restore_target("East US", None).unwrap(), "westus");
        assert_eq!(
            geo_restore_target("eastus", Some("northeurope")).unwrap(),
            "northeurope"
        );
        assert!(geo_restore_target("eastus", Some("West US 3")).is_err());
        assert!(geo_restore_target("northeurope", Some("brazilsouth")).is_err());
        assert!(geo_restore_target("eastus", Some("usgovvirginia")).is_err());
        // The excluded regions still take restores from their own pair.
        assert_eq!(
            geo_restore_target("usgovtexas", Some("usgovvirginia")).unwrap(),
            "usgovvirginia"
        );
        assert!(geo_restore_target("eastus", Some("eastus")).is_err());
        assert!(geo_restore_target("atlantis", None).is_err());
    }

    #[test]
    fn known_regions_accept_display_names_and_suggest_for_typos() {
        assert_eq!(known_region("West Europe"), Ok("westeurope"));
        assert_eq!(known_region("polandcentral"), Ok("polandcentral"));
        let err = known_region("westeurop").unwrap_err();
        assert!(err.contains("did you mean \"westeurope\""), "{err}");
        assert!(known_region("atlantis").is_err());
    }
}
