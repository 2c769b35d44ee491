//! Palette files: `.hex` (one `rrggbb` per line, Lospec), `.gpl` (GIMP) and `.pal`
//! (JASC-PAL text, or 768-byte raw RGB).

use std::path::Path;

use super::Palette;
use crate::error::{Result, SpriteDxError};
use crate::image::color::parse_hex_color;

/// Loads a palette file; the format is chosen by extension (`hex`, `gpl`, `pal`).
pub fn load_palette_file(path: impl AsRef<Path>) -> Result<Palette> {
    let path = path.as_ref();
    let bytes = std::fs::read(path).map_err(|source| SpriteDxError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or("")
        .to_ascii_lowercase();
    parse_palette(&bytes, &ext).map_err(|message| SpriteDxError::PaletteFile {
        path: path.to_path_buf(),
        message,
    })
}

/// Parses palette bytes of the given format (`hex`, `gpl` or `pal`).
pub fn parse_palette(bytes: &[u8], format: &str) -> std::result::Result<Palette, String> {
    let palette = match format {
        "pal" if !bytes.starts_with(b"JASC-PAL") => parse_raw_pal(bytes)?,
        "hex" | "gpl" | "pal" => {
            let text = std::str::from_utf8(bytes).map_err(|_| "not UTF-8 text".to_string())?;
            match format {
                "hex" => parse_hex(text)?,
                "gpl" => parse_gpl(text)?,
                _ => parse_jasc(text)?,
            }
        }
        other => return Err(format!("unknown palette format '{other}' (use .hex, .gpl or .pal)")),
    };
    if palette.is_empty() {
        return Err("the palette has no colours".into());
    }
    if palette.len() > 256 {
        return Err(format!(
            "the palette has {} colours; at most 256 are supported",
            palette.len()
        ));
    }
    Ok(palette)
}

fn parse_hex(text: &str) -> std::result::Result<Palette, String> {
    let mut colors = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with(';') || line.starts_with("//") {
            continue;
        }
        colors.push(parse_hex_color(line).ok_or_else(|| format!("line {}: '{line}' is not rrggbb", n + 1))?);
    }
    Ok(Palette::new(colors))
}

fn rgb_triplet(line: &str, n: usize) -> std::result::Result<[u8; 3], String> {
    let parts: Vec<&str> = line.split_whitespace().take(3).collect();
    if parts.len() < 3 {
        return Err(format!("line {}: expected 'r g b'", n + 1));
    }
    let mut rgb = [0u8; 3];
    for (slot, p) in rgb.iter_mut().zip(parts) {
        *slot = p.parse().map_err(|_| format!("line {}: '{p}' is not 0..255", n + 1))?;
    }
    Ok(rgb)
}

fn parse_gpl(text: &str) -> std::result::Result<Palette, String> {
    let mut lines = text.lines().enumerate();
    match lines.next() {
        Some((_, l)) if l.trim() == "GIMP Palette" => {}
        _ => return Err("missing 'GIMP Palette' header".into()),
    }
    let mut colors = Vec::new();
    for (n, line) in lines {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') || line.contains(':') {
            continue; // comments and "Name:"/"Columns:" headers
        }
        colors.push(rgb_triplet(line, n)?);
    }
    Ok(Palette::new(colors))
}

fn parse_jasc(text: &str) -> std::result::Result<Palette, String> {
    let lines: Vec<&str> = text.lines().map(str::trim).collect();
    if lines.len() < 3 || lines[0] != "JASC-PAL" {
        return Err("missing JASC-PAL header".into());
    }
    let count: usize = lines[2].parse().map_err(|_| "bad colour count".to_string())?;
    let body = &lines[3..];
    if body.len() < count {
        return Err(format!("header says {count} colours, file has {}", body.len()));
    }
    let colors = body[..count]
        .iter()
        .enumerate()
        .map(|(i, l)| rgb_triplet(l, i + 3))
        .collect::<std::result::Result<_, _>>()?;
    Ok(Palette::new(colors))
}

fn parse_raw_pal(bytes: &[u8]) -> std::result::Result<Palette, String> {
    if !bytes.len().is_multiple_of(3) || bytes.is_empty() {
        return Err("raw .pal must be a multiple of 3 bytes (RGB triplets)".into());
    }
    Ok(Palette::new(
        bytes.chunks_exact(3).map(|c| [c[0], c[1], c[2]]).collect(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_all_formats() {
        let hex = parse_palette(b"ff0000\n; comment\n00ff00\n", "hex").unwrap();
        assert_eq!(hex.colors, vec![[255, 0, 0], [0, 255, 0]]);
        let gpl = parse_palette(
            b"GIMP Palette\nName: x\nColumns: 4\n#\n 10  20  30\tdark\n255 255 255 white\n",
            "gpl",
        )
        .unwrap();
        assert_eq!(gpl.colors, vec![[10, 20, 30], [255, 255, 255]]);
        let jasc = parse_palette(b"JASC-PAL\n0100\n2\n1 2 3\n4 5 6\n", "pal").unwrap();
        assert_eq!(jasc.colors, vec![[1, 2, 3], [4, 5, 6]]);
        let raw = parse_palette(&[1, 2, 3, 4, 5, 6], "pal").unwrap();
        assert_eq!(raw.colors, vec![[1, 2, 3], [4, 5, 6]]);
    }

    #[test]
    fn bad_files_say_what_is_wrong() {
        assert!(parse_palette(b"zz0000\n", "hex").unwrap_err().contains("line 1"));
        assert!(parse_palette(b"no header\n", "gpl").unwrap_err().contains("header"));
        assert!(parse_palette(b"JASC-PAL\n0100\n5\n1 2 3\n", "pal")
            .unwrap_err()
            .contains("5 colours"));
        assert!(parse_palette(b"", "hex").unwrap_err().contains("no colours"));
        assert!(parse_palette(b"x", "bmp").unwrap_err().contains("unknown"));
    }
}
