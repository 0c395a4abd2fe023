//! The bundled Times-compatible font (Liberation Serif, SIL OFL, `assets/fonts/`) in its four
//! styles, parsed once, with the widths the layout measures text by.

use std::collections::HashMap;
use std::sync::OnceLock;

use printpdf::ParsedFont;

/// A font style.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Style {
    /// Regular.
    #[default]
    Regular,
    /// Bold.
    Bold,
    /// Italic.
    Italic,
    /// Bold italic.
    BoldItalic,
}

impl Style {
    /// All four, in the order fonts are embedded.
    pub const ALL: [Style; 4] = [Style::Regular, Style::Bold, Style::Italic, Style::BoldItalic];

    pub(crate) fn index(self) -> usize {
        self as usize
    }
}

/// The font files, by [`Style::index`] (charts drawn for documents use them too).
pub(crate) const FILES: [&[u8]; 4] = [
    include_bytes!("../../assets/fonts/LiberationSerif-Regular.ttf"),
    include_bytes!("../../assets/fonts/LiberationSerif-Bold.ttf"),
    include_bytes!("../../assets/fonts/LiberationSerif-Italic.ttf"),
    include_bytes!("../../assets/fonts/LiberationSerif-BoldItalic.ttf"),
];

/// One face: the parsed font and its advance widths in em.
pub struct Face {
    /// The font as printpdf embeds it.
    pub parsed: ParsedFont,
    widths: HashMap<char, f32>,
    fallback: f32,
}

impl Face {
    fn load(bytes: &'static [u8]) -> Face {
        let parsed = ParsedFont::from_bytes(bytes, 0, &mut Vec::new()).expect("the bundled font parses");
        let face = ttf_parser::Face::parse(bytes, 0).expect("the bundled font parses");
        let upem = f32::from(face.units_per_em().max(1));
        let width_of = |c: char| face.glyph_index(c).and_then(|g| face.glyph_hor_advance(g)).map(|w| f32::from(w) / upem);
        let fallback = width_of('n').unwrap_or(0.5);
        let mut widths = HashMap::new();
        // Latin, Vietnamese and punctuation: everything a document of ours prints.
        let ranges = [(0x20u32, 0x24f), (0x300, 0x36f), (0x1ea0, 0x1ef9), (0x2010, 0x2044), (0x20ab, 0x20ac)];
        for (from, to) in ranges {
            for cp in from..=to {
                if let Some(c) = char::from_u32(cp) {
                    if let Some(w) = width_of(c) {
                        widths.insert(c, w);
                    }
                }
            }
        }
        Face { parsed, widths, fallback }
    }

    /// Width of `text` at `size` points.
    pub fn width(&self, text: &str, size: f32) -> f32 {
        text.chars().map(|c| self.widths.get(&c).copied().unwrap_or(self.fallback)).sum::<f32>() * size
    }
}

/// The four faces.
pub struct Fonts {
    faces: [Face; 4],
}

impl Fonts {
    /// The bundled fonts, parsed on first use.
    pub fn get() -> &'static Fonts {
        static FONTS: OnceLock<Fonts> = OnceLock::new();
        FONTS.get_or_init(|| Fonts { faces: FILES.map(Face::load) })
    }

    /// One face.
    pub fn face(&self, style: Style) -> &Face {
        &self.faces[style.index()]
    }

    /// Width of `text` in `style` at `size` points.
    pub fn width(&self, style: Style, text: &str, size: f32) -> f32 {
        self.face(style).width(text, size)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vietnamese_letters_have_their_own_widths() {
        let f = Fonts::get();
        for c in "ăâđêôơưẠẶỆỘỢỰỹ".chars() {
            assert!(f.face(Style::Regular).widths.contains_key(&c), "{c} is in the font");
        }
        // Times metrics: "m" is wider than "i"; bold is wider than regular.
        assert!(f.width(Style::Regular, "m", 10.0) > f.width(Style::Regular, "i", 10.0));
        assert!(f.width(Style::Bold, "CỘNG HÒA", 13.0) > f.width(Style::Regular, "CỘNG HÒA", 13.0));
        let w = f.width(Style::Regular, "Hạnh phúc", 14.0);
        assert!((w - 14.0 * 4.0).abs() < 20.0, "{w}");
    }
}
