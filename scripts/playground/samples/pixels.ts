/** An RGB colour, 0–255 each. */
export type Rgb = readonly [number, number, number];

/** A small RGB drawing surface for the sample pictures: rectangles, circles and single pixels. */
export function createPixels(width: number, height: number, background: Rgb) {
  const rgb = new Uint8Array(width * height * 3);
  const set = (x: number, y: number, color: Rgb) => {
    if (x < 0 || y < 0 || x >= width || y >= height) return;
    rgb.set(color, (Math.floor(y) * width + Math.floor(x)) * 3);
  };
  const fill = (x: number, y: number, w: number, h: number, color: Rgb) => {
    for (let row = y; row < y + h; row += 1) for (let col = x; col < x + w; col += 1) set(col, row, color);
  };
  fill(0, 0, width, height, background);
  return {
    width,
    height,
    rgb,
    set,
    fill,
    circle(cx: number, cy: number, radius: number, color: Rgb) {
      for (let y = cy - radius; y <= cy + radius; y += 1)
        for (let x = cx - radius; x <= cx + radius; x += 1)
          if ((x - cx) ** 2 + (y - cy) ** 2 <= radius ** 2) set(x, y, color);
    },
  };
}

/** The colour `t` (0–1) of the way from `from` to `to`. */
export function mix(from: Rgb, to: Rgb, t: number): Rgb {
  return [0, 1, 2].map((i) =>
    Math.round((from[i] ?? 0) + ((to[i] ?? 0) - (from[i] ?? 0)) * t),
  ) as unknown as Rgb;
}
