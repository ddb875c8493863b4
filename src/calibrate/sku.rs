//! vCores from an Azure Database for MySQL SKU name.

/// vCores from the SKU name: `Standard_D2ds_v4` → 2, `Standard_B1ms` → 1, `Standard_E16ds_v5` →
/// 16 (the family letter, then the vCores, then the feature letters and the version).
pub fn sku_vcores(sku: &str) -> Option<u32> {
    let rest = sku
        .get(..9)
        .filter(|p| p.eq_ignore_ascii_case("standard_"))
        .map(|_| &sku[9..])?;
    let (size, version) = match rest.split_once('_') {
        Some((size, v)) => (size, Some(v)),
        None => (rest, None),
    };
    if let Some(v) = version {
        let digits = v.strip_prefix(['v', 'V'])?;
        if digits.is_empty() || !digits.chars().all(|c| c.is_ascii_digit()) {
            return None;
        }
    }
    let family = size.chars().next()?;
    if !"BDEM".contains(family.to_ascii_uppercase()) {
        return None;
    }
    let digits: String = size[1..].chars().take_while(char::is_ascii_digit).collect();
    let features = &size[1 + digits.len()..];
    if !features.chars().all(|c| c.is_ascii_alphabetic()) {
        return None;
    }
    digits.parse().ok().filter(|v| (1..=128).contains(v))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vcores_come_from_the_sku_name() {
        for (sku, vcores) in [
            ("Standard_D2ds_v4", 2),
            ("Standard_B1ms", 1),
            ("Standard_E16ds_v5", 16),
            ("Standard_B1s", 1),
            ("Standard_D4ads_v5", 4),
            ("Standard_E64ds_v4", 64),
            ("standard_d8ds_v4", 8),
        ] {
            assert_eq!(sku_vcores(sku), Some(vcores), "{sku}");
        }
        for sku in [
            "Standard_X2ds_v4",
            "D2ds_v4",
            "Standard_D",
            "Standard_D0ds_v4",
            "Standard_D2ds_vx",
            "Standard_D2-ds",
            "Standard_D256ds_v4",
            "",
        ] {
            assert_eq!(sku_vcores(sku), None, "{sku}");
        }
    }
}
