"""all-MiniLM-L6-v2 as an ONNX graph, built with the `onnx` package from the same model.safetensors our
encoder reads: BERT (post-LayerNorm, exact erf GELU), masked mean pooling, L2 normalisation — what
sentence-transformers computes. Inputs: input_ids int64 [N, T], attention_mask float32 [N, T] (1 for real
tokens, padded batches); output: embeddings float32 [N, 384].

The graph is written node by node as a PyTorch export would write it (MatMul + Add, Reshape/Transpose to
heads, Softmax with an additive mask, LayerNormalization); ONNX Runtime's own graph optimisations
(ORT_ENABLE_ALL) fuse it further at session creation.
"""
import numpy as np

from encoder import session  # the image encoder benchmark's ONNX Runtime settings, shared
from minilm_numpy import ASSETS, HEADS, LAYER_NORM_EPS, read_safetensors


def build(path, weights=ASSETS / "model.safetensors"):
    import onnx
    from onnx import TensorProto, helper, numpy_helper
    w = {k: v.astype(np.float32) for k, v in read_safetensors(weights).items()}
    layers = 1 + max(int(k.split(".")[2]) for k in w if k.startswith("encoder.layer."))
    hidden = w["embeddings.word_embeddings.weight"].shape[1]
    head_dim = hidden // HEADS
    nodes, inits = [], []

    def const(name, value):
        inits.append(numpy_helper.from_array(np.asarray(value), name))
        return name

    def node(op, inputs, output, **attrs):
        nodes.append(helper.make_node(op, inputs, [output], **attrs))
        return output

    def linear(x, prefix, out):
        weight = const(prefix + ".wT", np.ascontiguousarray(w[prefix + ".weight"].T))
        bias = const(prefix + ".b", w[prefix + ".bias"])
        return node("Add", [node("MatMul", [x, weight], out + "_mm"), bias], out)

    def layer_norm(x, prefix, out):
        return node("LayerNormalization", [x, const(prefix + ".g", w[prefix + ".weight"]), const(prefix + ".beta", w[prefix + ".bias"])],
                    out, axis=-1, epsilon=LAYER_NORM_EPS)

    # Embeddings: word + position (the first T rows) + token type 0.
    shape = node("Shape", ["input_ids"], "ids_shape")
    length = node("Slice", [shape, const("one_i", np.array([1])), const("two_i", np.array([2]))], "length")
    positions = node("Slice", [const("position_table", w["embeddings.position_embeddings.weight"]), const("zero_i", np.array([0])),
                               length, const("zero_i_axis", np.array([0]))], "positions")
    words = node("Gather", [const("word_table", w["embeddings.word_embeddings.weight"]), "input_ids"], "words")
    x = node("Add", [node("Add", [words, positions], "words_positions"),
                     const("token_type", w["embeddings.token_type_embeddings.weight"][0])], "embedded")
    x = layer_norm(x, "embeddings.LayerNorm", "x0")
    # Additive attention mask [N, 1, 1, T]: 0 for real tokens, -1e9 for padding.
    inverted = node("Sub", [const("one_f", np.float32(1)), "attention_mask"], "inverted_mask")
    mask = node("Unsqueeze", [node("Mul", [inverted, const("minus_big", np.float32(-1e9))], "mask_scaled"),
                              const("mask_axes", np.array([1, 2]))], "mask_bias")
    heads_shape = const("heads_shape", np.array([0, 0, HEADS, head_dim]))
    merged_shape = const("merged_shape", np.array([0, 0, hidden]))
    scale = const("scale", np.float32(1 / np.sqrt(head_dim)))
    for i in range(layers):
        p = f"encoder.layer.{i}."

        def heads(name, perm):
            projected = linear(x, p + "attention.self." + name, f"l{i}_{name}")
            return node("Transpose", [node("Reshape", [projected, heads_shape], f"l{i}_{name}_heads")], f"l{i}_{name}_t", perm=perm)

        q, k, v = heads("query", [0, 2, 1, 3]), heads("key", [0, 2, 3, 1]), heads("value", [0, 2, 1, 3])
        scores = node("Add", [node("Mul", [node("MatMul", [q, k], f"l{i}_qk"), scale], f"l{i}_scaled"), mask], f"l{i}_scores")
        probabilities = node("Softmax", [scores], f"l{i}_p", axis=-1)
        context = node("Reshape", [node("Transpose", [node("MatMul", [probabilities, v], f"l{i}_pv")], f"l{i}_pv_t", perm=[0, 2, 1, 3]),
                                   merged_shape], f"l{i}_context")
        attended = node("Add", [linear(context, p + "attention.output.dense", f"l{i}_attn_out"), x], f"l{i}_attn_res")
        x = layer_norm(attended, p + "attention.output.LayerNorm", f"l{i}_x1")
        inner = linear(x, p + "intermediate.dense", f"l{i}_inner")
        erf = node("Erf", [node("Mul", [inner, const(f"l{i}_rsqrt2", np.float32(1 / np.sqrt(2)))], f"l{i}_inner_s")], f"l{i}_erf")
        gelu = node("Mul", [node("Mul", [inner, const(f"l{i}_half", np.float32(0.5))], f"l{i}_half_x"),
                            node("Add", [erf, const(f"l{i}_one", np.float32(1))], f"l{i}_erf1")], f"l{i}_gelu")
        out = node("Add", [linear(gelu, p + "output.dense", f"l{i}_out"), x], f"l{i}_out_res")
        x = layer_norm(out, p + "output.LayerNorm", f"l{i}_x2")
    # Mean over real tokens, then unit length.
    weights3 = node("Unsqueeze", ["attention_mask", const("last_axis", np.array([2]))], "mask3")
    summed = node("ReduceSum", [node("Mul", [x, weights3], "masked"), const("token_axis", np.array([1]))], "summed", keepdims=0)
    counts = node("ReduceSum", ["attention_mask", const("token_axis2", np.array([1]))], "counts", keepdims=1)
    pooled = node("Div", [summed, counts], "pooled")
    norm = node("Sqrt", [node("ReduceSum", [node("Mul", [pooled, pooled], "squares"), const("feature_axis", np.array([1]))],
                               "square_sum", keepdims=1)], "norm")
    node("Div", [pooled, node("Max", [norm, const("tiny", np.float32(1e-12))], "norm_floor")], "embeddings")
    graph = helper.make_graph(nodes, "all_minilm_l6_v2",
                              [helper.make_tensor_value_info("input_ids", TensorProto.INT64, ["N", "T"]),
                               helper.make_tensor_value_info("attention_mask", TensorProto.FLOAT, ["N", "T"])],
                              [helper.make_tensor_value_info("embeddings", TensorProto.FLOAT, ["N", hidden])],
                              initializer=inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    onnx.checker.check_model(model)
    onnx.save(model, path)


def feeds(tokenizer, texts):
    """Padded input_ids and attention_mask for a batch, as the graph takes them."""
    encodings = [tokenizer.encode(t).ids for t in texts]
    length = max(len(e) for e in encodings)
    ids = np.zeros((len(texts), length), dtype=np.int64)
    mask = np.zeros((len(texts), length), dtype=np.float32)
    for row, e in enumerate(encodings):
        ids[row, :len(e)] = e
        mask[row, :len(e)] = 1
    return {"input_ids": ids, "attention_mask": mask}

