// Sunbridge sample landing page. The form works without this script (a plain post, then the
// thank-you page); with it, the lead is posted as JSON, errors show next to their fields and
// the thank-you appears in place.
(function () {
  'use strict';

  var form = document.getElementById('lead-form');
  if (!form || !window.fetch || !window.FormData) return;
  var alertBox = document.getElementById('form-alert');
  var thanks = document.getElementById('thanks');
  var submit = form.querySelector('button[type="submit"]');
  var UTM = ['utm_source', 'utm_medium', 'utm_campaign', 'utm_term', 'utm_content'];
  var TIMEOUT_MS = 20000;

  // Campaign tags from this page's own address travel with the lead.
  var query = new URLSearchParams(window.location.search);
  UTM.forEach(function (name) {
    var value = query.get(name);
    if (value && form.elements[name]) form.elements[name].value = value.slice(0, 200);
  });

  // One key per form fill: a double click or a retry after a network error sends the same
  // key, so the server makes one lead of it. A fill the server refused gets a new key once edited.
  function uuid() {
    if (window.crypto && typeof window.crypto.randomUUID === 'function') return window.crypto.randomUUID();
    var bytes = window.crypto.getRandomValues(new Uint8Array(16));
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    var hex = Array.prototype.map.call(bytes, function (b) { return (b + 0x100).toString(16).slice(1); }).join('');
    return hex.slice(0, 8) + '-' + hex.slice(8, 12) + '-' + hex.slice(12, 16) + '-' + hex.slice(16, 20) + '-' + hex.slice(20);
  }
  var idempotencyKey = uuid();
  var refused = false;
  var sending = false;
  form.addEventListener('input', function () {
    if (refused) {
      idempotencyKey = uuid();
      refused = false;
    }
  });

  function fieldsOf() {
    var data = {};
    new FormData(form).forEach(function (value, name) {
      if (typeof value !== 'string') return;
      var text = value.trim();
      if (text === '') return;
      data[name] = name in data ? data[name] + ', ' + text : text;
    });
    if ('consent' in data) data.consent = true;
    return data;
  }

  function errorElementFor(field) {
    return /^[A-Za-z][\w-]*$/.test(field) ? document.getElementById(field + '-error') : null;
  }

  function clearErrors() {
    alertBox.hidden = true;
    alertBox.textContent = '';
    Array.prototype.forEach.call(form.querySelectorAll('.field-error'), function (el) {
      el.hidden = true;
      el.textContent = '';
    });
    Array.prototype.forEach.call(form.querySelectorAll('[aria-invalid]'), function (el) {
      el.removeAttribute('aria-invalid');
      var described = (el.getAttribute('aria-describedby') || '').split(' ').filter(function (id) { return id && id !== el.id + '-error'; });
      if (described.length) el.setAttribute('aria-describedby', described.join(' '));
      else el.removeAttribute('aria-describedby');
    });
  }

  function sentence(text) {
    return text.charAt(0).toUpperCase() + text.slice(1) + (/[.!?]$/.test(text) ? '' : '.');
  }

  function showAlert(message) {
    alertBox.textContent = message;
    alertBox.hidden = false;
    alertBox.focus();
  }

  function labelOf(control) {
    var label = control.id && form.querySelector('label[for="' + control.id + '"]');
    return label ? label.textContent.replace('*', '').trim() : control.name;
  }

  function showFieldErrors(errors) {
    var first = null;
    var elsewhere = [];
    var marked = [];
    errors.forEach(function (error) {
      var field = String(error.field || '');
      var message = sentence(String(error.message || 'is not valid'));
      var target = errorElementFor(field);
      var control = form.elements[field];
      if (!target || !control) {
        elsewhere.push(message);
        return;
      }
      target.textContent = target.textContent ? target.textContent + ' ' + message : message;
      target.hidden = false;
      var controls = control.length && !control.tagName ? Array.prototype.slice.call(control) : [control];
      controls.forEach(function (el) {
        el.setAttribute('aria-invalid', 'true');
        var described = (el.getAttribute('aria-describedby') || '').split(' ').filter(Boolean);
        if (described.indexOf(target.id) < 0) described.push(target.id);
        el.setAttribute('aria-describedby', described.join(' '));
      });
      if (!first) first = controls[0];
      if (marked.indexOf(field) < 0) marked.push(field);
    });
    var count = marked.length;
    if (elsewhere.length || !first) {
      showAlert((count ? 'Please check the highlighted fields. ' : 'Please check your details. ') + elsewhere.join(' '));
    } else {
      alertBox.textContent = count === 1 ? 'Please check ' + labelOf(first) + '.' : 'Please check the ' + count + ' highlighted fields.';
      alertBox.hidden = false;
      first.focus();
    }
  }

  function showThanks(body) {
    var name = form.elements.firstName.value.trim();
    document.getElementById('thanks-heading').textContent = name ? 'Thank you, ' + name + '!' : 'Thank you!';
    if (body && body.status === 'joined') {
      document.getElementById('thanks-text').textContent =
        'We already had a request from you, so we have added this one to it. Your advisor will be in touch shortly.';
    }
    if (body && body.leadId) thanks.setAttribute('data-lead-id', body.leadId);
    form.hidden = true;
    thanks.hidden = false;
    thanks.focus();
  }

  function setSending(on) {
    sending = on;
    submit.setAttribute('aria-disabled', on ? 'true' : 'false');
    submit.textContent = on ? 'Sending…' : 'Request my free quote';
  }

  form.addEventListener('submit', function (event) {
    event.preventDefault();
    if (sending) return;
    clearErrors();
    setSending(true);
    var controller = window.AbortController ? new AbortController() : null;
    var timer = controller && setTimeout(function () { controller.abort(); }, TIMEOUT_MS);
    fetch(form.action, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json', 'idempotency-key': idempotencyKey },
      body: JSON.stringify(fieldsOf()),
      signal: controller ? controller.signal : undefined,
    })
      .then(function (response) {
        return response.text().then(function (text) {
          var body = null;
          try { body = text ? JSON.parse(text) : null; } catch (e) { body = null; }
          return { status: response.status, body: body };
        });
      })
      .then(function (result) {
        setSending(false);
        if (result.status >= 200 && result.status < 300) return showThanks(result.body);
        if (result.status === 429) {
          return showAlert('We have had a lot of requests from your network just now. Please wait a minute and send the form again.');
        }
        if (result.status >= 500) {
          return showAlert('Something went wrong on our side. Please try again in a moment, or call us on 030 5550 19000.');
        }
        refused = true;
        if (result.status === 422 && result.body && Array.isArray(result.body.errors) && result.body.errors.length) {
          return showFieldErrors(result.body.errors);
        }
        showAlert((result.body && result.body.message ? sentence(String(result.body.message)) + ' ' : '') +
          'Please check your details, or call us on 030 5550 19000.');
      })
      .catch(function () {
        setSending(false);
        showAlert('We could not reach our server. Please check your connection and try again; your details are still in the form.');
      })
      .then(function () {
        if (timer) clearTimeout(timer);
      });
  });
})();
