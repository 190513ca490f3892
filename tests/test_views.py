def test_the_page_offers_a_question_box_a_stop_button_and_the_chat_script(client):
    response = client.get("/")

    assert response.status_code == 200
    page = response.content.decode()
    assert 'id="question"' in page
    assert 'id="stop"' in page
    assert "chat/chat.js" in page
