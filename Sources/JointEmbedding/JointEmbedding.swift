// JointEmbedding module.
