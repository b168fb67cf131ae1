// Loading, empty and error states with a way forward (retry, go back), so no page is a dead end.
Component({
  properties: {
    status: { type: String, value: '' }, // '' | loading | empty | error
    message: { type: String, value: '' },
    actionText: { type: String, value: '' },
  },
  methods: {
    onAction() {
      this.triggerEvent('action');
    },
  },
});
