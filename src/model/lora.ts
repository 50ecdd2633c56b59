/**
 * What serving LoRA adapters costs a vLLM engine (docs/calibration.md, "LoRA adapters"). The adapters' own
 * arithmetic is tiny (rank 16 on every linear layer of Llama 3.1 8B is ~42 M parameters, 0.5 % of the model), but
 * vLLM's Punica-style shrink/expand kernels run as separate launches per layer and per slice, and measured slowdowns
 * are far larger than that arithmetic:
 *
 * - vLLM V0, A100, Llama-2-7B, ShareGPT, rank 8: 1788 against 2694 output tokens/s without LoRA, -34 %
 *   (vllm-project/vllm PR #11267, benchmark_throughput);
 * - vLLM V1 with CUDA graphs, same bench and GPU: 2578 output tokens/s with LoRA, -4 % against that V0 base
 *   (vllm-project/vllm PR #11613; V1's own base was not published there, so the true slowdown is larger);
 * - Llama-3.1-8B on TPU v6e, vLLM V1: -8.4 % to -23.9 % over input lengths 128..8k (vllm-project/vllm PR #15655);
 * - Punica (Chen et al., MLSys 2024, arXiv 2310.18547): its SGMV kernels add ~2 ms per token, i.e. 10-20 % of a
 *   7B decode step of 10-20 ms.
 *
 * One figure inside that range, not fitted to any target of this project: a step whose batch holds at least one
 * adapter sequence takes 15 % longer in its forward pass. A batch of base-model sequences only pays nothing (vLLM
 * skips the LoRA kernels' work for them; V0 reports of a slower base with --enable-lora, issue #3219, predate that).
 */
export const LORA_FORWARD_OVERHEAD = 0.15;
