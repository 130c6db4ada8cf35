/** Halite's mark: a 3×3 lattice of salt cubes. */
export function Logo({ size = 22 }: { size?: number }) {
  const cells = [0, 1, 2].flatMap((row) => [0, 1, 2].map((col) => ({ row, col })));
  return (
    <svg width={size} height={size} viewBox="0 0 24 24" aria-hidden="true">
      {cells.map(({ row, col }) => (
        <rect
          key={`${row}-${col}`}
          x={1 + col * 8}
          y={1 + row * 8}
          width={6}
          height={6}
          rx={1}
          fill={(row + col) % 2 === 0 ? '#e5a00d' : '#a77100'}
        />
      ))}
    </svg>
  );
}
