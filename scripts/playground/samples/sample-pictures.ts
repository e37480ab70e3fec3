import { encodePng } from '../../test-files/png';
import { createPixels, mix, type Rgb } from './pixels';

/** A picture the page offers to send, drawn here so that every run sends the same bytes. */
export interface SamplePicture {
  name: string;
  bytes: Buffer;
}

const BLUE: Rgb = [50, 150, 250];
const GREY: Rgb = [229, 230, 235];
const INK: Rgb = [23, 26, 29];

/** A bar chart: four quarters, growing. */
function barChart(): Buffer {
  const canvas = createPixels(240, 160, [255, 255, 255]);
  for (let y = 20; y <= 140; y += 30) canvas.fill(30, y, 195, 1, GREY);
  [50, 72, 95, 118].forEach((height, index) => {
    canvas.fill(42 + index * 48, 140 - height, 28, height, index === 3 ? [21, 188, 131] : BLUE);
  });
  canvas.fill(30, 140, 195, 2, INK);
  canvas.fill(30, 15, 2, 127, INK);
  return png(canvas);
}

/** A sunset over the sea. */
function sunset(): Buffer {
  const canvas = createPixels(240, 160, [0, 0, 0]);
  for (let y = 0; y < 110; y += 1) canvas.fill(0, y, 240, 1, mix([76, 42, 133], [255, 154, 60], y / 110));
  canvas.circle(120, 104, 30, [255, 211, 92]);
  for (let y = 110; y < 160; y += 1)
    canvas.fill(0, y, 240, 1, mix([28, 60, 110], [12, 28, 58], (y - 110) / 50));
  for (let y = 116; y < 160; y += 8) canvas.fill(120 - (160 - y), y, 2 * (160 - y), 2, [255, 190, 90]);
  return png(canvas);
}

// A cat's face, 16×16, drawn 8 times larger: K outline, O fur, W muzzle, G eyes, P nose.
const CAT = [
  '................',
  '..K.........K...',
  '.KOK.......KOK..',
  '.KOOK.....KOOK..',
  '.KOOOKKKKKOOOK..',
  '.KOOOOOOOOOOOK..',
  'KOOOOOOOOOOOOOK.',
  'KOOGGOOOOOGGOOK.',
  'KOOGKOOOOOGKOOK.',
  'KOOOOOOPOOOOOOK.',
  'KOOOWWWWWWWOOOK.',
  '.KOOWWKWKWWOOK..',
  '.KOOOWWWWWOOOK..',
  '..KKOOOOOOOKK...',
  '....KKKKKKK.....',
  '................',
];
const CAT_COLOURS: Record<string, Rgb> = {
  K: [60, 40, 30],
  O: [255, 160, 60],
  W: [255, 245, 230],
  G: [80, 190, 90],
  P: [240, 110, 140],
};

function pixelCat(): Buffer {
  const scale = 8;
  const canvas = createPixels(16 * scale, 16 * scale, [230, 244, 255]);
  CAT.forEach((row, y) => {
    [...row].forEach((key, x) => {
      const colour = CAT_COLOURS[key];
      if (colour) canvas.fill(x * scale, y * scale, scale, scale, colour);
    });
  });
  return png(canvas);
}

function png(canvas: ReturnType<typeof createPixels>): Buffer {
  return Buffer.from(encodePng(canvas.width, canvas.height, canvas.rgb));
}

/** The sample pictures, in the order the page lists them. */
export function samplePictures(): SamplePicture[] {
  return [
    { name: '季度收入柱状图.png', bytes: barChart() },
    { name: '海上日落.png', bytes: sunset() },
    { name: '像素猫.png', bytes: pixelCat() },
  ];
}
