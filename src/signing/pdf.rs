//! Putting a signature into a PDF: a signature field and its dictionary appended as an
//! incremental update — the bytes already there are left as they are, so a signature made
//! before (the officer's initials, before the Chairman's) stays valid — then the CMS over
//! everything but the signature's own room.

use chrono::{DateTime, Utc};
use lopdf::{dictionary, IncrementalDocument, Object, ObjectId, StringFormat};
use sha2::{Digest, Sha256};

use super::{cms, Form, Identity, SignError};

/// Room for the CMS signature in the file, in bytes: a signer's certificate and a chain of
/// two or three authorities' fit.
const SIGNATURE_ROOM: usize = 16_384;
/// Stands in for the byte range until the file's length is known.
const RANGE_PLACEHOLDER: i64 = 9_999_999_999;

/// How a signature is made.
#[derive(Debug, Clone, Copy)]
pub struct SignOptions<'a> {
    /// Why it is signed ("Ban hành văn bản").
    pub reason: &'a str,
    /// When.
    pub at: DateTime<Utc>,
    /// In which form.
    pub form: Form,
}

/// A PDF text string: UTF-16BE with its byte-order mark, so Vietnamese survives.
pub(super) fn text_string(s: &str) -> Object {
    let mut bytes = vec![0xfe, 0xff];
    for u in s.encode_utf16() {
        bytes.extend_from_slice(&u.to_be_bytes());
    }
    Object::String(bytes, StringFormat::Literal)
}

pub(super) fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// Clones into the update the object `id` refers to, or the direct value at `key` of the
/// dictionary `owner`, and hands back where the editable copy lives.
fn editable(inc: &mut IncrementalDocument, owner: ObjectId, key: &[u8]) -> Result<Option<ObjectId>, lopdf::Error> {
    inc.opt_clone_object_to_new_document(owner)?;
    let reference = inc.new_document.get_object(owner)?.as_dict()?.get(key).ok().and_then(|o| o.as_reference().ok());
    if let Some(r) = reference {
        inc.opt_clone_object_to_new_document(r)?;
    }
    Ok(reference)
}

/// Appends `item` to the array at `key` of the dictionary `owner` (direct or referenced),
/// creating it when absent.
fn push_to_array(inc: &mut IncrementalDocument, owner: ObjectId, key: &[u8], item: Object) -> Result<(), lopdf::Error> {
    match editable(inc, owner, key)? {
        Some(r) => inc.new_document.get_object_mut(r)?.as_array_mut()?.push(item),
        None => {
            let dict = inc.new_document.get_object_mut(owner)?.as_dict_mut()?;
            match dict.get_mut(key) {
                Ok(Object::Array(a)) => a.push(item),
                _ => dict.set(key, vec![item]),
            }
        }
    }
    Ok(())
}

/// Signs a PDF: appends a signature field and a signature over the whole file as it then is.
pub fn sign_pdf(pdf: &[u8], id: &Identity, opts: &SignOptions) -> Result<Vec<u8>, SignError> {
    id.check_valid_at(opts.at)?;
    let fail = |e: &dyn std::fmt::Display| SignError::Pdf(e.to_string());
    let prev = lopdf::Document::load_mem(pdf).map_err(|e| fail(&e))?;
    let first_page = *prev.get_pages().values().next().ok_or_else(|| fail(&"tệp không có trang nào"))?;
    let root = prev.trailer.get(b"Root").and_then(Object::as_reference).map_err(|e| fail(&e))?;
    let earlier = prev.objects.values().filter(|o| o.as_dict().is_ok_and(|d| d.has(b"ByteRange"))).count();
    let mut inc = IncrementalDocument::create_from(pdf.to_vec(), prev);
    let when = crate::vietnam_time(opts.at);
    let sig = inc.new_document.add_object(dictionary! {
        "Type" => "Sig",
        "Filter" => "Adobe.PPKLite",
        "SubFilter" => Object::Name(opts.form.sub_filter().as_bytes().to_vec()),
        "ByteRange" => vec![0.into(), RANGE_PLACEHOLDER.into(), RANGE_PLACEHOLDER.into(), RANGE_PLACEHOLDER.into()],
        "Contents" => Object::String(vec![0u8; SIGNATURE_ROOM], StringFormat::Hexadecimal),
        "Name" => text_string(&id.name),
        "Reason" => text_string(opts.reason),
        "M" => Object::string_literal(when.format("D:%Y%m%d%H%M%S+07'00'").to_string()),
    });
    let title = if earlier == 0 { "Chữ ký số".to_owned() } else { format!("Chữ ký số {}", earlier + 1) };
    let field = inc.new_document.add_object(dictionary! {
        "Type" => "Annot",
        "Subtype" => "Widget",
        "FT" => "Sig",
        "T" => text_string(&title),
        "V" => sig,
        "Rect" => vec![0.into(), 0.into(), 0.into(), 0.into()],
        "F" => 132,
        "P" => first_page,
    });
    push_to_array(&mut inc, first_page, b"Annots", field.into()).map_err(|e| fail(&e))?;
    // The form: a dictionary of its own or in the catalog; its fields gain this one.
    let form = match editable(&mut inc, root, b"AcroForm").map_err(|e| fail(&e))? {
        Some(form) => form,
        None => {
            let catalog = inc.new_document.get_object_mut(root).and_then(Object::as_dict_mut).map_err(|e| fail(&e))?;
            if !matches!(catalog.get(b"AcroForm"), Ok(Object::Dictionary(_))) {
                catalog.set("AcroForm", dictionary! {});
            }
            // Moved out of the catalog into an object of its own, so both cases are one.
            let direct = catalog.remove(b"AcroForm").unwrap_or_else(|| dictionary! {}.into());
            let form = inc.new_document.add_object(direct);
            inc.new_document.get_object_mut(root).and_then(Object::as_dict_mut).map_err(|e| fail(&e))?.set("AcroForm", form);
            form
        }
    };
    push_to_array(&mut inc, form, b"Fields", field.into()).map_err(|e| fail(&e))?;
    inc.new_document.get_object_mut(form).and_then(Object::as_dict_mut).map_err(|e| fail(&e))?.set("SigFlags", 3);
    let mut out = Vec::new();
    inc.save_to(&mut out).map_err(|e| fail(&e))?;

    // Fill in the byte range, then sign everything but the signature's own room.
    let appended = pdf.len();
    let hole = format!("<{}>", "0".repeat(SIGNATURE_ROOM * 2));
    let start = appended + find(&out[appended..], hole.as_bytes()).ok_or_else(|| fail(&"không thấy chỗ đặt chữ ký"))?;
    let end = start + hole.len();
    let placeholder = format!("0 {RANGE_PLACEHOLDER} {RANGE_PLACEHOLDER} {RANGE_PLACEHOLDER}");
    let range_at = appended + find(&out[appended..], placeholder.as_bytes()).ok_or_else(|| fail(&"không thấy dải byte"))?;
    let range = format!("0 {start} {end} {}", out.len() - end);
    let padded = format!("{range:<width$}", width = placeholder.len());
    out[range_at..range_at + placeholder.len()].copy_from_slice(padded.as_bytes());
    let mut hasher = Sha256::new();
    hasher.update(&out[..start]);
    hasher.update(&out[end..]);
    let digest = hasher.finalize();
    let cms = cms::signature(id, &digest, opts.form, opts.at)?;
    if cms.len() > SIGNATURE_ROOM {
        return Err(fail(&"chữ ký quá dài"));
    }
    let hex = hex::encode_upper(&cms);
    out[start + 1..start + 1 + hex.len()].copy_from_slice(hex.as_bytes());
    Ok(out)
}
