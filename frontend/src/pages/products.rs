//! Products and the messaging they grant, the online store's webhook, and recording a
//! client's purchase from their card.

use crate::components::field::{Choice, Field, FormError, RadioGroup, bind, reset, set, use_form};
use crate::hooks::{load_status, use_fetch, use_session};
use crate::services::api;
use shared::api::CreateProductRequest;
use shared::model::{Product, ProductGrant, Purchase, PurchaseSource};
use yew::prelude::*;

fn grant_label(g: ProductGrant) -> &'static str {
    match g {
        ProductGrant::OneWay => "Sets one-way messaging",
        ProductGrant::TwoWay => "Sets two-way messaging",
        ProductGrant::Unchanged => "Leaves messaging as it is",
    }
}

/// A product form as it starts.
fn new_product() -> CreateProductRequest {
    CreateProductRequest {
        name: String::new(),
        price_label: String::new(),
        grants: ProductGrant::TwoWay,
    }
}

/// The products page: the list, a form to add one, and the webhook details.
#[component]
pub fn Products() -> Html {
    let session = use_session();
    let business = session
        .current()
        .map(|s| s.user.business_id.to_string())
        .unwrap_or_default();
    let fetch = use_fetch((), |_| async { api::products().await.map(|p| p.items) });
    let products = fetch.data().cloned().unwrap_or_default();
    let form = use_form(new_product);
    let error = use_state(|| None::<String>);
    let secret = use_state(|| None::<String>);
    let onsubmit = {
        let (products, form, error) = (fetch.clone(), form.clone(), error.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let req = form.0.clone();
            let (products, form, error) = (products.clone(), form.clone(), error.clone());
            wasm_bindgen_futures::spawn_local(async move {
                match api::create_product(&req).await {
                    Ok(p) => {
                        let mut next = products.data().cloned().unwrap_or_default();
                        next.push(p);
                        products.set(next);
                        reset(&form, new_product());
                        error.set(None);
                    }
                    Err(e) => error.set(Some(e.message)),
                }
            });
        })
    };
    let show_secret = {
        let (secret, error) = (secret.clone(), error.clone());
        Callback::from(move |_| {
            let (secret, error) = (secret.clone(), error.clone());
            wasm_bindgen_futures::spawn_local(async move {
                match api::webhook_secret().await {
                    Ok(s) => secret.set(Some(s.secret)),
                    Err(e) => error.set(Some(e.message)),
                }
            });
        })
    };
    html! {
        <div class="page products">
            <div class="page-head"><h1>{ "Products" }</h1></div>
            { load_status(&fetch) }
            <ul class="roster">
                { for products.iter().map(|p| html! {
                    <li key={p.id.to_string()} class="row">
                        <span class="summary">
                            <span class="title">{ p.name.clone() }</span>
                            <span class="preview">{ grant_label(p.grants) }</span>
                        </span>
                        <span class="meta"><span class="pill">{ p.price_label.clone() }</span></span>
                    </li>
                }) }
                if products.is_empty() && fetch.data().is_some() { <li class="muted">{ "No products yet." }</li> }
            </ul>
            <form class="card form" {onsubmit}>
                <h2>{ "Add a product" }</h2>
                <Field label="Product name" value={form.0.name.clone()} oninput={bind(&form, |f, v| f.name = v)} />
                <Field label="Price" value={form.0.price_label.clone()} oninput={bind(&form, |f, v| f.price_label = v)} hint="As your clients see it, like $49 / month" />
                <RadioGroup<ProductGrant> name="grants" legend="When a client buys it" selected={form.0.grants}
                    onchange={set(&form, |f, g| f.grants = g)} choices={vec![
                        Choice::new(ProductGrant::TwoWay, "Two-way messaging"),
                        Choice::new(ProductGrant::OneWay, "One-way messaging"),
                        Choice::new(ProductGrant::Unchanged, "Leave messaging as it is"),
                    ]} />
                <FormError error={(*error).clone()} />
                <div class="actions"><button type="submit" class="primary">{ "Add product" }</button></div>
            </form>
            <section class="card webhook">
                <h2>{ "Your online store" }</h2>
                <p class="muted">{ "Your store reports each sale to POST /api/webhooks/purchases with the order id, the product id and the buyer's email or phone. Sign every delivery: X-Sideline-Business, X-Sideline-Timestamp (unix seconds) and X-Sideline-Signature: v1= followed by the hex HMAC-SHA256 of \"timestamp.body\" with this secret." }</p>
                <dl class="details">
                    <dt>{ "Business id" }</dt><dd><code>{ business }</code></dd>
                    <dt>{ "Signing secret" }</dt>
                    <dd>{ match &*secret {
                        Some(s) => html! { <code>{ s.clone() }</code> },
                        None => html! { <button class="ghost" onclick={show_secret}>{ "Show secret" }</button> },
                    } }</dd>
                </dl>
            </section>
        </div>
    }
}

#[derive(Properties, PartialEq)]
pub struct PurchasesProps {
    pub client: shared::UserId,
    /// Called with the purchase once recorded (the client's mode may have changed).
    pub onbought: Callback<Purchase>,
}

/// On a client's card: their purchases, and recording a new one.
#[component]
pub fn ClientPurchases(props: &PurchasesProps) -> Html {
    let products = use_state(Vec::<Product>::new);
    let purchases = use_state(Vec::<Purchase>::new);
    let chosen = use_state(String::new);
    let error = use_state(|| None::<String>);
    {
        let (products, purchases, chosen) = (products.clone(), purchases.clone(), chosen.clone());
        use_effect_with(props.client, move |client| {
            let client = *client;
            wasm_bindgen_futures::spawn_local(async move {
                if let Ok(page) = api::products().await {
                    if let Some(first) = page.items.first() {
                        chosen.set(first.id.to_string());
                    }
                    products.set(page.items);
                }
                if let Ok(page) = api::purchases(client).await {
                    purchases.set(page.items);
                }
            });
        });
    }
    let record = {
        let (purchases, chosen, error, client, onbought) = (
            purchases.clone(),
            chosen.clone(),
            error.clone(),
            props.client,
            props.onbought.clone(),
        );
        Callback::from(move |_| {
            let Ok(product) = chosen.parse() else {
                return;
            };
            let (purchases, error, client, onbought) =
                (purchases.clone(), error.clone(), client, onbought.clone());
            wasm_bindgen_futures::spawn_local(async move {
                match api::record_purchase(client, product).await {
                    Ok(p) => {
                        let mut next = vec![p.clone()];
                        next.extend((*purchases).iter().cloned());
                        purchases.set(next);
                        error.set(None);
                        onbought.emit(p);
                    }
                    Err(e) => error.set(Some(e.message)),
                }
            });
        })
    };
    let onchange = {
        let chosen = chosen.clone();
        Callback::from(move |e: Event| {
            chosen.set(
                e.target_unchecked_into::<web_sys::HtmlSelectElement>()
                    .value(),
            )
        })
    };
    html! {
        <section class="history purchases">
            <h2>{ "Purchases" }</h2>
            if !products.is_empty() {
                <div class="copy-row">
                    <select aria-label="Product" {onchange}>
                        { for products.iter().map(|p| html! {
                            <option value={p.id.to_string()} selected={*chosen == p.id.to_string()}>{ format!("{} · {}", p.name, p.price_label) }</option>
                        }) }
                    </select>
                    <button class="primary" onclick={record}>{ "Record purchase" }</button>
                </div>
            }
            <FormError error={(*error).clone()} />
            if purchases.is_empty() {
                <p class="muted">{ "No purchases yet." }</p>
            } else {
                <ul class="changes">
                    { for purchases.iter().map(|p| html! {
                        <li key={p.id.to_string()}>
                            <strong>{ p.product_name.clone() }</strong>
                            <span class="muted">{ format!(" · {} · {} {}",
                                if p.source == PurchaseSource::Webhook { "from your store" } else { "recorded by hand" },
                                crate::format::day_label(p.purchased_at), crate::format::clock(p.purchased_at)) }</span>
                        </li>
                    }) }
                </ul>
            }
        </section>
    }
}
