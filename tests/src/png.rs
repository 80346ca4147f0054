//! A tiny PNG encoder and a line chart drawn with it: the loss curve the
//! demo attaches and the tests upload, made without any image library or
//! external tool. Uncompressed (stored deflate blocks), RGB, 8 bits.

/// An RGB image.
pub struct Canvas {
    width: usize,
    height: usize,
    pixels: Vec<[u8; 3]>,
}

impl Canvas {
    /// A `width` x `height` canvas filled with `background`.
    pub fn new(width: usize, height: usize, background: [u8; 3]) -> Canvas {
        Canvas { width, height, pixels: vec![background; width * height] }
    }

    /// Sets one pixel (outside the canvas: ignored).
    pub fn set(&mut self, x: i64, y: i64, color: [u8; 3]) {
        if x >= 0 && y >= 0 && (x as usize) < self.width && (y as usize) < self.height {
            self.pixels[y as usize * self.width + x as usize] = color;
        }
    }

    /// The pixel at (x, y).
    pub fn get(&self, x: usize, y: usize) -> [u8; 3] {
        self.pixels[y * self.width + x]
    }

    /// A line from (x0, y0) to (x1, y1), `thick` pixels wide (Bresenham).
    pub fn line(&mut self, (x0, y0): (i64, i64), (x1, y1): (i64, i64), color: [u8; 3], thick: i64) {
        let (dx, dy) = ((x1 - x0).abs(), -(y1 - y0).abs());
        let (sx, sy) = (if x0 < x1 { 1 } else { -1 }, if y0 < y1 { 1 } else { -1 });
        let (mut x, mut y, mut err) = (x0, y0, dx + dy);
        loop {
            for ox in 0..thick {
                for oy in 0..thick {
                    self.set(x + ox - thick / 2, y + oy - thick / 2, color);
                }
            }
            if x == x1 && y == y1 {
                break;
            }
            let e2 = 2 * err;
            if e2 >= dy {
                err += dy;
                x += sx;
            }
            if e2 <= dx {
                err += dx;
                y += sy;
            }
        }
    }

    /// The image as a PNG file.
    pub fn to_png(&self) -> Vec<u8> {
        let mut raw = Vec::with_capacity((self.width * 3 + 1) * self.height);
        for row in self.pixels.chunks(self.width.max(1)) {
            raw.push(0); // filter: none
            for p in row {
                raw.extend_from_slice(p);
            }
        }
        let mut ihdr = Vec::new();
        ihdr.extend_from_slice(&(self.width as u32).to_be_bytes());
        ihdr.extend_from_slice(&(self.height as u32).to_be_bytes());
        ihdr.extend_from_slice(&[8, 2, 0, 0, 0]); // 8 bits, RGB, deflate, no filter, no interlace
        let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
        chunk(&mut out, b"IHDR", &ihdr);
        chunk(&mut out, b"IDAT", &zlib_stored(&raw));
        chunk(&mut out, b"IEND", &[]);
        out
    }
}

/// A line chart of `values` (a loss curve): white background, grey grid and
/// axes, the curve in blue, scaled to fit. PNG bytes.
pub fn line_chart(width: usize, height: usize, values: &[f64]) -> Vec<u8> {
    let mut c = Canvas::new(width, height, [255, 255, 255]);
    let (w, h) = (width as i64, height as i64);
    let margin = (w.min(h) / 10).max(2);
    let (left, right, top, bottom) = (margin, w - margin, margin, h - margin);
    for i in 1..4 {
        let y = top + (bottom - top) * i / 4;
        c.line((left, y), (right, y), [225, 225, 225], 1);
    }
    c.line((left, top), (left, bottom), [120, 120, 120], 1);
    c.line((left, bottom), (right, bottom), [120, 120, 120], 1);
    if values.len() >= 2 {
        let (lo, hi) = values.iter().fold((f64::MAX, f64::MIN), |(lo, hi), v| (lo.min(*v), hi.max(*v)));
        let span = if hi > lo { hi - lo } else { 1.0 };
        let point = |i: usize, v: f64| {
            let x = left + ((right - left) as f64 * i as f64 / (values.len() - 1) as f64).round() as i64;
            let y = bottom - ((bottom - top) as f64 * (v - lo) / span).round() as i64;
            (x, y)
        };
        for (i, pair) in values.windows(2).enumerate() {
            c.line(point(i, pair[0]), point(i + 1, pair[1]), [31, 119, 180], 2);
        }
    }
    c.to_png()
}

fn chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
    out.extend_from_slice(&(data.len() as u32).to_be_bytes());
    let start = out.len();
    out.extend_from_slice(kind);
    out.extend_from_slice(data);
    let crc = crc32(&out[start..]);
    out.extend_from_slice(&crc.to_be_bytes());
}

/// zlib data made of stored (uncompressed) deflate blocks.
fn zlib_stored(data: &[u8]) -> Vec<u8> {
    let mut out = vec![0x78, 0x01];
    let blocks: Vec<&[u8]> = if data.is_empty() { vec![&[]] } else { data.chunks(65_535).collect() };
    for (i, block) in blocks.iter().enumerate() {
        out.push(u8::from(i + 1 == blocks.len()));
        let len = block.len() as u16;
        out.extend_from_slice(&len.to_le_bytes());
        out.extend_from_slice(&(!len).to_le_bytes());
        out.extend_from_slice(block);
    }
    let (mut a, mut b) = (1u32, 0u32);
    for byte in data {
        a = (a + u32::from(*byte)) % 65_521;
        b = (b + a) % 65_521;
    }
    out.extend_from_slice(&((b << 16) | a).to_be_bytes());
    out
}

fn crc32(data: &[u8]) -> u32 {
    let mut crc = 0xffff_ffffu32;
    for byte in data {
        crc ^= u32::from(*byte);
        for _ in 0..8 {
            crc = if crc & 1 == 1 { (crc >> 1) ^ 0xedb8_8320 } else { crc >> 1 };
        }
    }
    !crc
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crc_and_adler_match_known_values() {
        assert_eq!(crc32(b"IEND"), 0xae42_6082, "the CRC every PNG ends with");
        assert_eq!(crc32(b"123456789"), 0xcbf4_3926);
        let z = zlib_stored(b"Wikipedia");
        assert_eq!(&z[z.len() - 4..], &0x11e6_0398u32.to_be_bytes(), "Adler-32 of `Wikipedia`");
    }

    #[test]
    fn a_chart_is_a_well_formed_png() {
        let png = line_chart(200, 100, &[3.0, 2.0, 1.5, 1.0]);
        assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
        assert_eq!(&png[12..16], b"IHDR");
        assert_eq!(u32::from_be_bytes(png[16..20].try_into().unwrap()), 200);
        assert_eq!(u32::from_be_bytes(png[20..24].try_into().unwrap()), 100);
        assert_eq!(&png[png.len() - 12..], b"\0\0\0\0IEND\xae\x42\x60\x82");
        // Each chunk's CRC covers its type and data.
        let len = u32::from_be_bytes(png[8..12].try_into().unwrap()) as usize;
        let crc = u32::from_be_bytes(png[16 + len..20 + len].try_into().unwrap());
        assert_eq!(crc, crc32(&png[12..16 + len]));
        // Bigger than one stored block: 100 rows of 601 bytes.
        assert!(png.len() > 60_100);
    }

    #[test]
    fn the_curve_is_drawn_from_the_top_left_down() {
        let mut c = Canvas::new(10, 10, [255, 255, 255]);
        c.line((0, 0), (9, 9), [0, 0, 0], 1);
        assert_eq!(c.get(5, 5), [0, 0, 0]);
        assert_eq!(c.get(5, 4), [255, 255, 255]);
    }
}
