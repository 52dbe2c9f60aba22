import { Line, LineChart, ResponsiveContainer, YAxis } from "recharts";

/** A rule's recent scores, oldest first, as a small line (0..1). */
export function Sparkline({ values, threshold }: { values: number[]; threshold: number }) {
  if (values.length < 2) {
    return <span className="muted small">{values.length ? "1 run" : "no runs"}</span>;
  }
  const data = values.map((v, i) => ({ i, v }));
  const last = values[values.length - 1] ?? 0;
  return (
    <div style={{ width: 110, height: 28 }} title={`last ${values.length} runs`}>
      <ResponsiveContainer width="100%" height="100%">
        <LineChart data={data} margin={{ top: 2, bottom: 2, left: 0, right: 0 }}>
          <YAxis hide domain={[Math.min(threshold, ...values) - 0.01, 1]} />
          <Line
            type="monotone"
            dataKey="v"
            dot={false}
            isAnimationActive={false}
            stroke={last >= threshold ? "#2f855a" : "#c53030"}
            strokeWidth={1.5}
          />
        </LineChart>
      </ResponsiveContainer>
    </div>
  );
}
