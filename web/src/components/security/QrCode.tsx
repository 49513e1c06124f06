import qrcode from "qrcode-generator";
import { useMemo } from "react";

/**
 * The dark modules of `value`'s QR code as one SVG path (a 1×1 square each,
 * in module units, with the 4-module quiet zone around). Error correction M:
 * an otpauth:// URI fits comfortably and phones read it from a screen.
 */
export function qrPath(value: string): { size: number; d: string } {
  const qr = qrcode(0, "M");
  qr.addData(value, "Byte");
  qr.make();
  const n = qr.getModuleCount();
  const quiet = 4;
  let d = "";
  for (let row = 0; row < n; row++) {
    for (let col = 0; col < n; col++) {
      if (qr.isDark(row, col)) d += `M${col + quiet} ${row + quiet}h1v1h-1z`;
    }
  }
  return { size: n + quiet * 2, d };
}

/** A QR code of `value` drawn as SVG (no canvas, no inline styles: the page's CSP stays strict). */
export default function QrCode({ value, label, className = "", testId }: { value: string; label: string; className?: string; testId?: string }) {
  const { size, d } = useMemo(() => qrPath(value), [value]);
  return (
    <svg
      viewBox={`0 0 ${size} ${size}`}
      role="img"
      aria-label={label}
      data-testid={testId}
      shapeRendering="crispEdges"
      className={`bg-white ${className}`}
    >
      <rect width={size} height={size} fill="#fff" />
      <path d={d} fill="#000" />
    </svg>
  );
}
