//! What kind of file a locked file is, for supply-chain policy: weights in
//! a format that is only data (safetensors, GGUF, ONNX, NumPy without
//! pickles), weights in a format that runs code when loaded (pickle-based:
//! PyTorch `.bin`/`.pt`/`.pth`, `.ckpt`, `.pkl`, joblib; Keras `.h5` may hold
//! Lambda layers), code (`*.py`, native libraries), and everything else
//! (configs, tokenizers, texts). A config's `auto_map` names classes that
//! `trust_remote_code=True` imports and runs: the targets are locked beside
//! the file.

use serde_json::Value;

/// The class of a file, as the lock records it (`class`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Class {
    Safetensors,
    Gguf,
    Onnx,
    Pickle,
    Numpy,
    Keras,
    Tensorflow,
    Code,
    Other,
}

impl Class {
    pub const ALL: [Class; 9] = [
        Class::Safetensors,
        Class::Gguf,
        Class::Onnx,
        Class::Pickle,
        Class::Numpy,
        Class::Keras,
        Class::Tensorflow,
        Class::Code,
        Class::Other,
    ];

    /// The formats of weights, which `[policy] formats` chooses among.
    pub const WEIGHTS: [Class; 7] = [
        Class::Safetensors,
        Class::Gguf,
        Class::Onnx,
        Class::Pickle,
        Class::Numpy,
        Class::Keras,
        Class::Tensorflow,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Class::Safetensors => "safetensors",
            Class::Gguf => "gguf",
            Class::Onnx => "onnx",
            Class::Pickle => "pickle",
            Class::Numpy => "numpy",
            Class::Keras => "keras",
            Class::Tensorflow => "tensorflow",
            Class::Code => "code",
            Class::Other => "other",
        }
    }

    pub fn parse(s: &str) -> Option<Class> {
        Class::ALL.into_iter().find(|c| c.as_str() == s)
    }

    pub fn is_weights(self) -> bool {
        Class::WEIGHTS.contains(&self)
    }

    /// The class of a file by its path (its name's extension).
    pub fn of_path(path: &str) -> Class {
        let name = path.rsplit('/').next().unwrap_or(path).to_ascii_lowercase();
        let ext = name.rsplit_once('.').map(|(_, e)| e).unwrap_or("");
        match ext {
            "safetensors" => Class::Safetensors,
            "gguf" | "ggml" => Class::Gguf,
            "onnx" | "ort" => Class::Onnx,
            "bin" | "pt" | "pth" | "ckpt" | "pkl" | "pickle" | "joblib" | "mar" => Class::Pickle,
            "npy" | "npz" => Class::Numpy,
            "h5" | "hdf5" | "keras" => Class::Keras,
            "pb" | "tflite" => Class::Tensorflow,
            "py" | "pyc" | "pyo" | "so" | "dll" | "dylib" => Class::Code,
            _ => Class::Other,
        }
    }
}

/// Whether a file may carry an `auto_map` (the configs transformers reads
/// with `trust_remote_code`).
pub fn may_map_code(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path);
    matches!(
        name,
        "config.json"
            | "tokenizer_config.json"
            | "processor_config.json"
            | "preprocessor_config.json"
            | "feature_extractor_config.json"
            | "image_processor_config.json"
            | "video_preprocessor_config.json"
    )
}

/// The classes a config's `auto_map` names (`modeling_x.XModel`, or in
/// another repo `ORG/NAME--modeling_x.XModel`), at most 64, each checked to
/// be a dotted name.
pub fn auto_map(bytes: &[u8]) -> Vec<String> {
    let Ok(v) = serde_json::from_slice::<Value>(bytes) else {
        return Vec::new();
    };
    let Some(map) = v.get("auto_map").and_then(Value::as_object) else {
        return Vec::new();
    };
    let mut out: Vec<String> = Vec::new();
    let mut add = |s: &str| {
        let ok = !s.is_empty()
            && s.len() <= 256
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || "._-/".contains(c));
        if ok && !out.iter().any(|o| o == s) && out.len() < 64 {
            out.push(s.to_owned());
        }
    };
    for value in map.values() {
        match value {
            Value::String(s) => add(s),
            Value::Array(items) => items.iter().filter_map(Value::as_str).for_each(&mut add),
            _ => {}
        }
    }
    out.sort();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classes_by_name() {
        for (p, c) in [
            ("model-00001-of-00004.safetensors", Class::Safetensors),
            ("pytorch_model.bin", Class::Pickle),
            ("sub/model.pt", Class::Pickle),
            ("model-Q4_K_M.gguf", Class::Gguf),
            ("onnx/model.onnx", Class::Onnx),
            ("tf_model.h5", Class::Keras),
            ("modeling_phi.py", Class::Code),
            ("config.json", Class::Other),
            ("tokenizer.model", Class::Other),
        ] {
            assert_eq!(Class::of_path(p), c, "{p}");
        }
        assert_eq!(Class::parse("pickle"), Some(Class::Pickle));
        assert_eq!(Class::parse("pickles"), None);
    }

    #[test]
    fn auto_map_targets() {
        let cfg = br#"{"auto_map": {"AutoConfig": "configuration_x.XConfig",
            "AutoModelForCausalLM": "other/repo--modeling_x.XForCausalLM",
            "AutoTokenizer": ["tokenization_x.XTokenizer", null],
            "Bad": "rm -rf /; echo"}, "model_type": "x"}"#;
        assert_eq!(
            auto_map(cfg),
            [
                "configuration_x.XConfig",
                "other/repo--modeling_x.XForCausalLM",
                "tokenization_x.XTokenizer"
            ]
        );
        assert!(auto_map(b"{\"model_type\": \"llama\"}").is_empty());
        assert!(auto_map(b"not json").is_empty());
        assert!(may_map_code("config.json") && !may_map_code("generation_config.json"));
    }
}
