// The line under an answer: who answered, how fast, and how many tokens it took.

export function showStats(element, facts) {
  const parts = [];
  const provider = facts.provider ?? element.dataset.provider;
  const model = facts.model ?? element.dataset.model;
  if (provider) parts.push(provider);
  if (model) parts.push(model);
  if (facts.first_token_ms != null) parts.push(`first token ${formatMs(facts.first_token_ms)}`);
  if (facts.chunks_per_second != null) parts.push(`${facts.chunks_per_second.toFixed(1)} chunks/s`);
  if (facts.total_ms != null) parts.push(`total ${formatMs(facts.total_ms)}`);
  const usage = formatUsage(facts.usage, facts.usage_reported);
  if (usage) parts.push(usage);
  element.textContent = parts.join(" · ");
}

function formatMs(ms) {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`;
}

function formatUsage(usage, reported) {
  if (!usage || typeof usage !== "object") return "";
  // A backend that sends no count gets one estimated from the text's length: said as such.
  const about = reported === false ? "≈ " : "";
  const { prompt_tokens: asked, completion_tokens: answered, total_tokens: total } = usage;
  if (Number.isFinite(asked) && Number.isFinite(answered)) {
    return `${about}${asked} in + ${answered} out tokens`;
  }
  return Number.isFinite(total) ? `${about}${total} tokens` : "";
}
