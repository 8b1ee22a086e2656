//! Cloudflare Queues, called raw through the binding's own JavaScript methods: sending a text
//! message (`send`), and the consumer's batch and messages (`ack`, `retry({delaySeconds})`).
//! Not through worker's `Queue` and `MessageBatch<T>`, which (de)serialize bodies and options
//! through serde_wasm_bindgen, for the size budget (400 KiB gzipped).

use js_sys::futures::JsFuture;
use wasm_bindgen::prelude::wasm_bindgen;
use wasm_bindgen::{JsCast, JsValue};
use worker::Env;

use crate::edge::platform::db::error_text;

#[wasm_bindgen]
extern "C" {
    /// A `[[queues.producers]]` binding.
    type QueueBinding;
    #[wasm_bindgen(method, catch)]
    fn send(this: &QueueBinding, body: &JsValue) -> Result<js_sys::Promise, JsValue>;

    /// What the runtime hands the `queue` handler.
    pub type MessageBatch;
    /// The name of the queue the batch came from.
    #[wasm_bindgen(method, getter)]
    pub fn queue(this: &MessageBatch) -> String;
    #[wasm_bindgen(method, getter)]
    pub fn messages(this: &MessageBatch) -> js_sys::Array;

    pub type Message;
    #[wasm_bindgen(method, getter)]
    pub fn body(this: &Message) -> JsValue;
    /// 1 on the first delivery of the message to the consumer.
    #[wasm_bindgen(method, getter)]
    pub fn attempts(this: &Message) -> f64;
    #[wasm_bindgen(method)]
    pub fn ack(this: &Message);
    #[wasm_bindgen(method, js_name = retry)]
    fn retry_with(this: &Message, options: &JsValue);
}

impl Message {
    /// Tries the message again after `delay_seconds`.
    pub fn retry_after(&self, delay_seconds: u32) {
        let options = js_sys::Object::new();
        let _ = js_sys::Reflect::set(&options, &JsValue::from_str("delaySeconds"), &JsValue::from(delay_seconds));
        self.retry_with(&options);
    }
}

impl MessageBatch {
    /// The batch's messages.
    pub fn each(&self) -> impl Iterator<Item = Message> {
        self.messages().into_iter().map(JsCast::unchecked_into)
    }
}

/// Sends `text` to the queue bound as `binding`; the error's text when it failed.
pub async fn send_text(env: &Env, binding: &str, text: &str) -> Result<(), String> {
    let queue = js_sys::Reflect::get(env, &JsValue::from_str(binding)).map_err(|e| error_text(&e))?;
    if queue.is_undefined() {
        return Err(format!("no queue binding {binding}"));
    }
    let promise = queue.unchecked_into::<QueueBinding>().send(&JsValue::from_str(text)).map_err(|e| error_text(&e))?;
    JsFuture::from(promise).await.map(|_| ()).map_err(|e| error_text(&e))
}
