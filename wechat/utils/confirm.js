// A yes/no question in WeChat's modal, as a promise of true (confirmed) or false (cancelled, or it failed).
function confirm({ title, content, confirmText, cancelText }) {
  return new Promise((resolve) => {
    wx.showModal({
      title,
      content,
      confirmText,
      cancelText,
      success: (res) => resolve(Boolean(res && res.confirm)),
      fail: () => resolve(false),
    });
  });
}

// Cancelling a draft deletes it on the server with what was entered: always asked first.
function confirmCancelDraft(keepText) {
  return confirm({
    title: '取消本次维保',
    content: '草稿及已填写的内容将被删除，且不能恢复。确定取消吗？',
    confirmText: '删除草稿',
    cancelText: keepText || '继续填写',
  });
}

module.exports = { confirm, confirmCancelDraft };
