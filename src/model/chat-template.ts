/** One chat message as a chat template reads it. */
export interface ChatMessage {
  role: string;
  content: string;
}

/**
 * The Llama 3.1 Instruct chat template (tokenizer_config.json of meta-llama/Llama-3.1-8B-Instruct, which vLLM renders
 * for every chat request), without tools: BOS, a system header that is always present (a leading system message's
 * text, trimmed, after the template's knowledge-date preamble), each other message trimmed in its role's header, then
 * the assistant header that asks for the answer. The template's date is its default, "26 Jul 2024" (vLLM passes no
 * `date_string`); another date of the same form tokenizes to as many tokens.
 */
export function renderLlama31Chat(messages: readonly ChatMessage[]): string {
  const hasSystem = messages[0]?.role === 'system';
  const system = hasSystem ? messages[0]!.content.trim() : '';
  let out = '<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\n';
  out += `Cutting Knowledge Date: December 2023\nToday Date: 26 Jul 2024\n\n${system}<|eot_id|>`;
  for (const m of hasSystem ? messages.slice(1) : messages)
    out += `<|start_header_id|>${m.role}<|end_header_id|>\n\n${m.content.trim()}<|eot_id|>`;
  return `${out}<|start_header_id|>assistant<|end_header_id|>\n\n`;
}
